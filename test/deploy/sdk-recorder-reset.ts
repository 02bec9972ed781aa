/**
 * Empties `.local/sdk-commands/` before a test run, so that test/deploy/iam.test.ts compares the
 * roles with the commands of the last run only (vitest.config.ts `globalSetup`).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Removes the records of earlier runs. */
export default function reset(): void {
  rmSync(join(fileURLToPath(new URL('../..', import.meta.url)), '.local/sdk-commands'), {
    recursive: true,
    force: true,
  });
}
