#!/usr/bin/env node
// Bundles the VS Code client, the language server and the CLI into dist/ (CommonJS, Node 20), and
// copies the tree-sitter wasm files next to the bundles (the server and CLI load them from __dirname).
// Usage: node scripts/build.mjs [--watch] [--minify]
import { build, context } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const require = createRequire(path.join(root, 'package.json'));
const watch = process.argv.includes('--watch');
const minify = process.argv.includes('--minify');

// web-tree-sitter is ESM-first; its CJS build finds web-tree-sitter.wasm through __dirname, which in
// a bundle is dist/ — where the wasm is copied. Resolve the package to that build whatever the import kind.
const webTreeSitterCjs = require.resolve('web-tree-sitter'); // the "require" export: web-tree-sitter.cjs
if (!webTreeSitterCjs.endsWith('.cjs')) throw new Error(`build: expected web-tree-sitter's CJS build, got ${webTreeSitterCjs}`);
const forceCjs = {
  name: 'web-tree-sitter-cjs',
  setup(b) {
    b.onResolve({ filter: /^web-tree-sitter$/ }, () => ({ path: webTreeSitterCjs }));
  },
};

/** Shared options. `import.meta.url` is defined as the bundle's own file URL, so ESM-style lookups keep working in CJS. */
const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  minify,
  logLevel: 'info',
  define: { 'import.meta.url': '__kcov_import_meta_url' },
  banner: { js: "const __kcov_import_meta_url = require('url').pathToFileURL(__filename).href;" },
  plugins: [forceCjs],
};

const targets = [
  {
    ...common,
    entryPoints: [path.join(root, 'client/src/extension.ts')],
    outfile: path.join(dist, 'client.js'),
    external: ['vscode'],
  },
  {
    ...common,
    entryPoints: [path.join(root, 'server/src/lsp/server.ts')],
    outfile: path.join(dist, 'server.js'),
  },
  {
    ...common,
    // The CLI entry: run main() and exit with its code (server/src/cli/main.ts only exports main).
    stdin: {
      contents: [
        "import { optimizeAfter } from './server/src/cli/jit';",
        "import { main } from './server/src/cli/main';",
        "import { exitWhenFlushed } from './server/src/cli/residentClient';",
        'optimizeAfter();',
        'main(process.argv.slice(2)).then(',
        '  (code) => exitWhenFlushed(code),',
        "  (error) => { process.stderr.write(`kcov-review: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\\n`); exitWhenFlushed(2); },",
        ');',
      ].join('\n'),
      resolveDir: root,
      sourcefile: 'cli-entry.ts',
      loader: 'ts',
    },
    outfile: path.join(dist, 'cli.js'),
  },
  {
    ...common,
    // What bin/kcov-review.js loads first: hands the command to a resident process when one listens
    // (server/src/cli/residentClient.ts). Node built-ins only, a few KB.
    entryPoints: [path.join(root, 'server/src/cli/residentClient.ts')],
    outfile: path.join(dist, 'cli-client.js'),
  },
];

async function copyWasm() {
  await mkdir(dist, { recursive: true });
  const files = [
    path.join(path.dirname(webTreeSitterCjs), 'web-tree-sitter.wasm'),
    path.join(path.dirname(require.resolve('tree-sitter-c/package.json')), 'tree-sitter-c.wasm'),
  ];
  for (const file of files) await copyFile(file, path.join(dist, path.basename(file)));
}

await copyWasm();
if (watch) {
  for (const options of targets) await (await context(options)).watch();
  console.log('build: watching for changes');
} else {
  // Build every target even when one fails, then fail once (esbuild has already printed the errors).
  const results = await Promise.allSettled(targets.map((options) => build(options)));
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [path.relative(root, targets[i].outfile)] : []));
  if (failed.length > 0) {
    console.error(`build: failed: ${failed.join(', ')}`);
    process.exit(1);
  }
}
