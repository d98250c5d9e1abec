import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    setupFiles: ['test/setup.ts'],
    // Stops the Ceph gateway if a remote test started one (test/helpers/s3-gateway.ts).
    globalSetup: ['test/helpers/s3-teardown.ts'],
  },
});
