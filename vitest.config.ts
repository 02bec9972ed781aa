import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    coverage: {
      include: ['shared/**/*.ts'],
      thresholds: { lines: 90, branches: 80, 'shared/domain/**': { lines: 95, branches: 90 } },
    },
  },
});
