import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Worker pools and Redis are shared resources on a 2-core machine: keep files sequential.
    fileParallelism: false,
    // Uses REDIS_URL (default 127.0.0.1:6379), or starts a throwaway redis-server when none answers.
    globalSetup: ['test/setup/redis.ts'],
    // Every test builds pools; one warm-up solve per thread each time would only slow the suite on
    // a shared machine. test/backends.threads.warmup.test.ts turns it on and checks it.
    env: { SOLVER_WARMUP: 'false' },
  },
});
