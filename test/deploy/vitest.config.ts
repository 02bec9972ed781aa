import { defineConfig } from 'vitest/config';

/** The checks of the package `npm run package` builds (scripts/package.ts runs them after it). */
export default defineConfig({
  test: {
    include: ['test/deploy/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
