import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/ui/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default', './test/support/summaryReporter.ts'],
    // A temporary folder per run, removed at its end (test/support/scratchTmp.ts).
    globalSetup: ['./test/support/scratchTmp.ts'],
    pool: 'forks',
    // The fuzz properties parse thousands of files in one process; tree-sitter's trees live in its
    // WebAssembly heap and are freed by finalizers, so they call gc() between cases (test/fuzz/support/harness.ts).
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
  },
});
