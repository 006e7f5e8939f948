import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/ui/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default', './test/support/summaryReporter.ts'],
    pool: 'forks',
    // The fuzz properties parse thousands of files in one process; tree-sitter's trees live in its
    // WebAssembly heap and are freed by finalizers, so they call gc() between cases (test/fuzz/support/harness.ts).
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
  },
});
