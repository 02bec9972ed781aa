import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    coverage: {
      include: ['shared/**/*.ts'],
      thresholds: { 'shared/domain/**': { lines: 95, branches: 90 } },
    },
  },
});
