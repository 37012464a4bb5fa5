import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'web/tests/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each test file opens its own database; two workers match the two cores.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
