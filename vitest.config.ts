import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'e2e/bench/test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
  },
});
