/**
 * `waypointer generate` against istioctl's output (golden files written by hand from istioctl's).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/domain/errors.ts';
import { generateWaypoint } from '../../shared/domain/generate.ts';
import { cli, spawnCli } from '../support/cli.ts';

const golden = (name: string): string =>
  readFileSync(new URL(`../golden/generate/${name}.yaml`, import.meta.url), 'utf8');

describe('waypointer generate (istioctl waypoint generate, §11.2)', () => {
  it.each<[string, string[]]>([
    ['namespace-default', ['-n', 'default']],
    ['namespace-default', ['--namespace', 'default', '--name', '']],
    ['for-service', ['--for', 'service', '-n', 'default']],
    ['for-all-revision-canary', ['--for', 'all', '--revision', 'canary', '-n', 'foo']],
    ['for-all-revision-canary', ['-r', 'canary', '--for=all', '--namespace=foo']],
    ['no-namespace', []],
    [
      'for-workload-named',
      ['--for', 'workload', '--name', 'reviews-v2-pod-waypoint', '-n', 'bookinfo'],
    ],
    ['revision-numeric', ['-n', 'default', '-r', '1']],
  ])('prints %s for %j', async (file, args) => {
    expect(await cli(['generate', ...args])).toEqual({ code: 0, stdout: golden(file), stderr: '' });
  });

  it.each<[string[], string]>([
    [
      ['--for', 'foo'],
      'Error: failed to create gateway: invalid traffic type: foo. Valid options are: [all none service workload]\n',
    ],
    [
      ['--for', 'Service'],
      'Error: failed to create gateway: invalid traffic type: Service. Valid options are: [all none service workload]\n',
    ],
    [
      ['--name', 'none'],
      "Error: failed to create gateway: invalid name provided for waypoint, 'none' is a reserved value\n",
    ],
    [
      ['--name', 'none', '--for', 'foo'],
      "Error: failed to create gateway: invalid name provided for waypoint, 'none' is a reserved value\n",
    ],
    [['--bogus'], 'Error: unknown flag: --bogus\n'],
    [['-n'], "Error: flag needs an argument: 'n' in -n\n"],
    [['--namespace'], 'Error: flag needs an argument: --namespace\n'],
    [['-x'], "Error: unknown shorthand flag: 'x' in -x\n"],
  ])('fails for %j with istioctl’s message on stderr', async (args, stderr) => {
    expect(await cli(['generate', ...args])).toEqual({ code: 1, stdout: '', stderr });
  });

  it('runs as a real process: stdout, stderr and exit codes', async () => {
    expect(await spawnCli(['generate', '-n', 'default'])).toEqual({
      code: 0,
      stdout: golden('namespace-default'),
      stderr: '',
    });
    const failed = await spawnCli(['generate', '--for', 'x']);
    expect([failed.code, failed.stdout, failed.stderr]).toEqual([
      1,
      '',
      'Error: failed to create gateway: invalid traffic type: x. Valid options are: [all none service workload]\n',
    ]);
  }, 30_000);

  it('names the field in its ValidationError', () => {
    expect(() => generateWaypoint({ for: 'foo' })).toThrow(ValidationError);
    try {
      generateWaypoint({ for: 'foo' });
    } catch (error) {
      expect((error as ValidationError).problems).toEqual([
        { path: 'for', message: 'must be one of all, none, service, workload' },
      ]);
    }
  });
});
