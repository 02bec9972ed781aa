import { defineConfig } from 'vitest/config';

/** This unit's tests and coverage gate; the repository's vitest.config.ts applies the same gate. */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    coverage: {
      include: ['src/**/*.ts'],
      exclude: ['src/index.ts'],
      thresholds: { lines: 94, branches: 84 },
    },
  },
});
