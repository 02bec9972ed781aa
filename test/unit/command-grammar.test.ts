/**
 * The command grammar: text, words and objects parse into one Command, flags as pflag parses them.
 */
import { describe, expect, it } from 'vitest';
import {
  parseCommand,
  parseCommandLine,
  parseMutation,
  tokenize,
  UsageError,
} from '../../shared/commands/grammar.ts';

const parsed = (words: string[]): Record<string, unknown> => parseCommandLine(words).command;

describe('flags, as pflag parses them', () => {
  it.each<[string, string[], Record<string, unknown>]>([
    ['a value that looks like a flag (-r -5b)', ['apply', '-r', '-5b'], { revision: '-5b' }],
    ['--namespace -x takes -x', ['list', '--namespace', '-x'], { namespace: '-x' }],
    ['grouped shorthands (-wn ns)', ['apply', '-wn', 'ns'], { wait: true, namespace: 'ns' }],
    ['-n=value', ['list', '-n=prod'], { namespace: 'prod' }],
    ['-nvalue', ['list', '-nprod'], { namespace: 'prod' }],
    ['--flag=value', ['apply', '--for=workload'], { for: 'workload' }],
    ['a bool set false', ['status', '--wait=false'], { wait: false }],
    ['a Go duration', ['apply', '--waypoint-timeout', '1m30.5s'], { timeoutSeconds: 90.5 }],
    [
      'flags before the verb',
      ['-n', 'prod', 'list', '-A'],
      { namespace: 'prod', allNamespaces: true },
    ],
    ['status waits by default, as istioctl', ['status'], { wait: true, timeoutSeconds: 90 }],
    ['-- ends the flags', ['delete', '--', '-odd-name'], { names: ['-odd-name'] }],
    ['-o yaml', ['list', '-o', 'yaml'], { output: 'yaml' }],
  ])('%s', (_case, words, expected) => {
    expect(parsed(words)).toMatchObject(expected);
  });

  it.each<[string[], string]>([
    [['list', '-x'], "unknown shorthand flag: 'x' in -x"],
    [['list', '--bogus'], 'unknown flag: --bogus'],
    [['list', '-n'], "flag needs an argument: 'n' in -n"],
    [
      ['apply', '--waypoint-timeout', '5'],
      'invalid argument "5" for "--waypoint-timeout" flag: time: missing unit in duration "5"',
    ],
    [['apply', 'extra'], 'unknown argument "extra": apply takes flags only'],
    [
      ['delete'],
      'must specify a waypoint name or delete all using --all or delete specific revision using --revision',
    ],
    [['delete', 'w', '--all'], 'cannot specify waypoint names when deleting all waypoints'],
    [
      ['enroll', 'service', 'reviews'],
      'enroll needs --waypoint NAME (or --waypoint none to opt out), or --canary NAME',
    ],
    [
      ['explain', 'deployment/x'],
      'explain takes one object: service/NAME, pod/NAME, serviceentry/NAME or workloadentry/NAME, as in: explain service/reviews -n default',
    ],
    [['list', '-o', 'xml'], 'unknown output format "xml": use table, json or yaml'],
    [['plan'], 'missing a mutation: apply, delete, enroll, unenroll, promote, rollback'],
    [
      ['plan', 'list'],
      'unknown mutation "list": use apply, delete, enroll, unenroll, promote, rollback',
    ],
    [['bogus'], 'unknown command "bogus" for "waypointer"; run `waypointer help`'],
  ])('%j is refused: %s', (words, message) => {
    let thrown: unknown;
    try {
      parseCommandLine(words);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as Error).message).toBe(message);
  });
});

describe('one model from text, words and objects', () => {
  it('parses the same command from each form', () => {
    const text = parseCommand(
      'enroll pods -l "app=reviews,version=v2" --waypoint reviews-v2-pod-waypoint',
    );
    const words = parseCommand([
      'enroll',
      'pods',
      '-l',
      'app=reviews,version=v2',
      '--waypoint',
      'reviews-v2-pod-waypoint',
    ]);
    const object = parseCommand({
      verb: 'enroll',
      target: { kind: 'pods', selector: 'app=reviews,version=v2' },
      waypoint: 'reviews-v2-pod-waypoint',
    });
    expect(text).toEqual(words);
    expect(object).toEqual(words);
  });

  it('fills defaults for an object and refuses unknown fields', () => {
    expect(
      parseCommand({ verb: 'apply', namespace: 'default', enrollNamespace: true }),
    ).toMatchObject({
      name: 'waypoint',
      wait: false,
      timeoutSeconds: 90,
      output: 'table',
    });
    expect(() => parseCommand({ verb: 'apply', bogus: 1 })).toThrow('unknown field(s) bogus');
    expect(() =>
      parseCommand({ verb: 'enroll', target: { kind: 'service' }, waypoint: 'w' }),
    ).toThrow(/^target.name: /);
  });

  it('keeps connection flags for the command line', () => {
    expect(parseCommandLine(['list', '-c', '/kc', '--context', 'prod']).connection).toEqual({
      kubeconfig: '/kc',
      context: 'prod',
    });
    expect(() => parseCommand('list --kubeconfig /kc')).toThrow(
      '--kubeconfig is for the command line only: name the cluster with --cluster',
    );
  });

  it('splits plan into mutations at ;, quoted or not', () => {
    const steps = (command: ReturnType<typeof parseCommand>): unknown[] =>
      command.verb === 'plan' ? command.steps.map((s) => s.verb) : [];
    expect(
      steps(parseCommand('plan apply --enroll-namespace; enroll service reviews --waypoint r')),
    ).toEqual(['apply', 'enroll']);
    expect(steps(parseCommand(['plan', 'apply --for all; delete waypoint', '-o', 'json']))).toEqual(
      ['apply', 'delete'],
    );
    expect(parseCommand(['plan', 'apply --for all;', 'delete', 'w', '-o', 'json'])).toMatchObject({
      output: 'json',
    });
  });

  it('reads quotes as a shell does', () => {
    expect(tokenize(`enroll pods -l 'app in (a, b)' --waypoint "w x";x`)).toEqual([
      'enroll',
      'pods',
      '-l',
      'app in (a, b)',
      '--waypoint',
      'w x',
      ';',
      'x',
    ]);
  });

  it('gives the domain mutation of one step', () => {
    expect(parseMutation(['enroll', 'namespace', '--waypoint', 'w', '-n', 'prod'])).toEqual({
      op: 'enroll',
      target: { kind: 'namespace', namespace: 'prod' },
      waypoint: 'w',
    });
  });
});
