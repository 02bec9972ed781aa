/**
 * `npm run package`: bundles every function with esbuild and renders the CloudFormation template
 * with `osls package` (offline, no AWS credentials), then runs the checks of test/deploy on the
 * result: template contents, the CloudFormation resource specification, least privilege against
 * the AWS SDK commands the last test run recorded, bundles. When no test run has recorded any
 * (a fresh clone), it runs the integration and end-to-end tests first to record them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE, RECORDS, ROOT } from '../test/deploy/packaged.ts';

/** Runs a command of node_modules/.bin in the repository; exits with its status when it fails. */
function run(command: string, args: readonly string[]): void {
  const result = spawnSync(join(ROOT, 'node_modules/.bin', command), args, {
    cwd: ROOT,
    stdio: 'inherit',
    env: {
      ...process.env,
      // osls needs no account to package: a fresh home, no telemetry, no notifications.
      HOME: mkdtempSync(join(tmpdir(), 'osls-')),
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
    },
  });
  if (result.status !== 0) {
    console.error(`Error: ${command} ${args.join(' ')} failed (${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}

if (!existsSync(RECORDS) || readdirSync(RECORDS).length === 0) {
  console.log('No AWS SDK commands recorded yet: running the integration and end-to-end tests');
  run('vitest', ['run', 'test/integration', 'test/e2e', 'infra/local/stack/test']);
}
const params = Object.entries(PACKAGE.params).map(([key, value]) => `--param=${key}=${value}`);
run('osls', ['package', '--stage', PACKAGE.stage, '--region', PACKAGE.region, ...params]);
run('vitest', ['run', '--config', 'test/deploy/vitest.config.ts', '--root', '.']);
