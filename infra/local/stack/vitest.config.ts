import { defineConfig } from 'vitest/config';

/**
 * This unit's tests and coverage gate; the repository's vitest.config.ts applies the same gate. The
 * stack exists to run the product end to end, so the product's end-to-end tests (test/e2e, which
 * drive `serve` and the gateway) count toward it along with the tests of its commands here.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', '../../../test/e2e/**/*.test.ts'],
    coverage: {
      include: ['src/**/*.ts'],
      exclude: ['src/index.ts'],
      thresholds: { lines: 89, branches: 75 },
    },
  },
});
