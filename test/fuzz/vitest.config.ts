import { defineConfig } from 'vitest/config';

/**
 * `npm run fuzz`: the fuzz properties at 10,000 cases each and the fault scenario at 200 mutations
 * (`npm test` runs both suites at reduced sizes). FUZZ_SEED and FAULT_SEED replay a run.
 */
export default defineConfig({
  test: {
    include: ['test/fuzz/**/*.test.ts', 'test/faults/**/*.test.ts'],
    env: {
      FUZZ_RUNS: process.env.FUZZ_RUNS ?? '10000',
      FAULT_MUTATIONS: process.env.FAULT_MUTATIONS ?? '200',
    },
    // One suite at a time: each starts servers, and the machine is small.
    fileParallelism: false,
  },
});
