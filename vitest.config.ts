import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Worker pools and Redis are shared resources on a 2-core machine: keep files sequential.
    fileParallelism: false,
  },
});
