/**
 * The renderers of command outcomes, against golden files written from istioctl's code
 * (test/golden/commands/README.md cites the lines).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { WaypointStatus, WaypointSummary } from '../../shared/app/queries.ts';
import type { CommandResult } from '../../shared/app/run-command.ts';
import { renderOutcome } from '../../shared/commands/render.ts';
import { tabwrite } from '../../shared/commands/tabwriter.ts';

const golden = (name: string): string =>
  readFileSync(new URL(`../golden/commands/${name}`, import.meta.url), 'utf8');

const summary = (
  namespace: string,
  name: string,
  revision: string,
  trafficType: string,
  programmed: string,
): WaypointSummary => ({
  namespace,
  name,
  gatewayClassName: 'istio-waypoint',
  revision,
  trafficType,
  effectiveTrafficType: 'service',
  programmed,
  bound: { services: 0, pods: 0, namespaces: 0, serviceEntries: 0, workloadEntries: 0 },
});

const status = (namespace: string, status: string): WaypointStatus => ({
  waypoint: summary(namespace, 'waypoint', 'default', 'none', status),
  status: { type: 'Programmed', status, reason: '', message: '' },
  addresses: [],
  referencedBy: [],
  boundServices: [],
  boundPods: [],
  boundNamespaces: [],
  boundServiceEntries: [],
  boundWorkloadEntries: [],
  diagnostics: [],
});

const text = (
  result: CommandResult,
  exitCode = 0,
  error?: string,
): { stdout: string; stderr: string } =>
  renderOutcome(
    {
      exitCode,
      command: {},
      result,
      ...(error === undefined ? {} : { error: { type: 'TimeoutError', message: error } }),
    },
    'table',
    'help\n',
  );

const mutation = { dryRun: false, plan: [], changes: [] };

describe('istioctl-shaped text, byte for byte', () => {
  it.each<[string, CommandResult]>([
    [
      'list-namespace.txt',
      {
        verb: 'list',
        namespace: 'default',
        waypoints: [summary('default', 'waypoint', 'default', 'none', 'True')],
      },
    ],
    [
      'list-all-namespaces.txt',
      {
        verb: 'list',
        namespace: null,
        waypoints: [
          summary('bookinfo', 'bookinfo-rev', 'rev1', 'none', 'True'),
          summary('bookinfo', 'bookinfo-traffic-type', 'default', 'all', 'True'),
          summary('bookinfo', 'bookinfo-valid', 'default', 'none', 'True'),
          summary('default', 'bookinfo', 'default', 'none', 'False'),
          summary('default', 'no-name-convention', 'default', 'none', 'True'),
          summary('default', 'waypoint', 'default', 'none', 'False'),
        ],
      },
    ],
    ['list-none.txt', { verb: 'list', namespace: 'default', waypoints: [] }],
    [
      'status-notready.txt',
      { verb: 'status', namespace: 'default', waypoints: [status('default', 'False')] },
    ],
    [
      'status-all-namespaces.txt',
      {
        verb: 'status',
        namespace: null,
        waypoints: ['fake1', 'fake2', 'fake3'].map((ns) => status(ns, 'True')),
      },
    ],
    [
      'apply-wait-enroll.txt',
      {
        verb: 'apply',
        ...mutation,
        warnings: [],
        done: [
          'waypoint default/waypoint applied',
          'waypoint default/waypoint is ready!',
          'namespace default labeled with "istio.io/use-waypoint: waypoint"',
        ],
      },
    ],
    [
      'apply-already-enrolled.txt',
      {
        verb: 'apply',
        ...mutation,
        done: [],
        warnings: [
          'namespace (default) already has an enrolled Waypoint. Consider adding the `--overwrite` flag to your apply command.',
        ],
      },
    ],
    [
      'delete.txt',
      {
        verb: 'delete',
        waypoints: [
          {
            namespace: 'default',
            name: 'waypoint',
            outcome: 'deleted',
            result: { ...mutation, warnings: [], done: ['waypoint default/waypoint deleted'] },
          },
          { namespace: 'default', name: 'nope', outcome: 'not found' },
        ],
      },
    ],
  ])('%s', (file, result) => {
    expect(text(result)).toEqual({ stdout: golden(file), stderr: '' });
  });

  it('prints errors as cobra does', () => {
    const message = golden('status-timeout.stderr').slice('Error: '.length, -1);
    expect(text(null as unknown as CommandResult, 1, message)).toEqual({
      stdout: '',
      stderr: golden('status-timeout.stderr'),
    });
  });
});

describe('Go tabwriter', () => {
  it.each<[string, string]>([
    ['a\tb\nlonger\tc\n', 'a          b\nlonger     c\n'],
    ['x\t\ty\n', 'x          y\n'],
    ['h1\th2\nno tabs\nrow\tz\n', 'h1     h2\nno tabs\nrow     z\n'],
    ['é\tx\n', 'é     x\n'],
    ['', ''],
  ])('%j', (input, output) => {
    expect(tabwrite(input)).toBe(output);
  });
});

describe('JSON and YAML', () => {
  const result: CommandResult = {
    verb: 'list',
    namespace: 'default',
    waypoints: [summary('default', 'waypoint', 'default', 'none', 'True')],
  };
  it('prints the result model', () => {
    const outcome = { exitCode: 0, command: {}, result };
    expect(JSON.parse(renderOutcome(outcome, 'json', '').stdout)).toEqual(result);
    expect(renderOutcome(outcome, 'yaml', '').stdout).toContain(
      'namespace: default\nverb: list\nwaypoints:\n- bound:\n',
    );
  });
});
