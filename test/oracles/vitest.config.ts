import { defineConfig } from 'vitest/config';

/**
 * The differential suites: waypointer's ports against the real implementations Debian packages
 * (`npm run test:oracles`). Not part of `npm test`, which needs none of them.
 */
export default defineConfig({
  test: {
    include: ['test/oracles/**/*.oracle.test.ts'],
    testTimeout: 300_000,
  },
});
