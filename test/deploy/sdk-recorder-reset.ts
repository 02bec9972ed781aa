/**
 * Empties `.local/sdk-commands/` before a test run, so that test/deploy/iam.test.ts compares the
 * roles with the commands of the last run only (vitest.config.ts `globalSetup`).
 */
import { rmSync } from 'node:fs';
import { RECORDS } from './packaged.ts';

/** Removes the records of earlier runs. */
export default function reset(): void {
  rmSync(RECORDS, { recursive: true, force: true });
}
