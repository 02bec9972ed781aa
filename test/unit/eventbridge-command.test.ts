/**
 * The pure parts of eventbridge-command: the command event's schema, the caller it stands for and
 * how the policy names it, the request it makes, the result event's shape and size, and the
 * function's settings.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  callerOf,
  commandEventSchema,
  RESULT_DETAIL_TYPE,
  RESULT_SOURCE,
  requestOf,
  resultEvent,
} from '../../functions/eventbridge-command/command-event.ts';
import { entrySize, PUT_EVENTS_MAX_BYTES } from '../../shared/adapters/aws/events.ts';
import { isAllowed, parsePolicy } from '../../shared/app/authorization.ts';
import { loadCommandEventsConfig } from '../../shared/config.ts';
import { ValidationError } from '../../shared/domain/errors.ts';

const sample = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../events/${name}`, import.meta.url), 'utf8'));

const TEXT = sample('eventbridge-command.json');
const STRUCTURED = sample('eventbridge-command-structured.json');
const detail = TEXT.detail as Record<string, unknown>;
const withDetail = (changes: Record<string, unknown>): Record<string, unknown> => ({
  ...TEXT,
  detail: { ...detail, ...changes },
});

describe('the command event schema', () => {
  it('accepts both samples: grammar text and structured arguments', () => {
    expect(commandEventSchema.parse(TEXT).detail).toEqual({
      cluster: 'demo',
      command: 'apply -n default --enroll-namespace',
      dryRun: true,
      actor: 'jdoe@example.com',
    });
    expect(commandEventSchema.parse(STRUCTURED).detail.command).toEqual({
      verb: 'list',
      allNamespaces: true,
    });
    expect(
      commandEventSchema.parse(withDetail({ command: ['list', '-A'] })).detail.command,
    ).toEqual(['list', '-A']);
  });

  it.each([
    ['another detail type', { ...TEXT, 'detail-type': 'Kubernetes Audit Event' }, 'detail-type'],
    ['no detail', { ...TEXT, detail: undefined }, 'detail'],
    ['no cluster', withDetail({ cluster: undefined }), 'detail.cluster'],
    ['a cluster name with a slash', withDetail({ cluster: 'a/b' }), 'detail.cluster'],
    ['empty command text', withDetail({ command: '  ' }), 'detail.command'],
    ['no command words', withDetail({ command: [] }), 'detail.command'],
    ['a number as command', withDetail({ command: 7 }), 'detail.command'],
    ['dryRun as text', withDetail({ dryRun: 'true' }), 'detail.dryRun'],
    ['a misspelt field (dry_run)', withDetail({ dry_run: true }), 'detail'],
    ['an empty actor', withDetail({ actor: '' }), 'detail.actor'],
    ['an account that is not 12 digits', { ...TEXT, account: 'ops' }, 'account'],
    ['a source with whitespace', { ...TEXT, source: 'com example' }, 'source'],
    ['a time that is not ISO 8601', { ...TEXT, time: 'yesterday' }, 'time'],
    ['no id', { ...TEXT, id: undefined }, 'id'],
  ])('refuses %s (at %s)', (_what, event, path) => {
    const result = commandEventSchema.safeParse(event);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});

describe('the caller of a command event', () => {
  it('is eventbridge:<account>/<source>, whatever the actor claims', () => {
    const event = commandEventSchema.parse(TEXT);
    const caller = { id: 'eventbridge:123456789012/com.example.ops', kind: 'eventbridge' };
    expect(callerOf(event)).toEqual(caller);
    expect(callerOf(commandEventSchema.parse(withDetail({ actor: 'admin' })))).toEqual(caller);
  });

  const policy = parsePolicy(
    JSON.stringify({
      version: 1,
      rules: [
        {
          subjects: ['eventbridge:123456789012/com.example.ops'],
          role: 'operator',
          clusters: ['demo'],
          namespaces: ['default'],
        },
        {
          subjects: ['eventbridge:*/aws.events'],
          role: 'viewer',
          clusters: ['*'],
          namespaces: ['*'],
        },
      ],
    }),
  );

  it.each([
    ['com.example.ops', '123456789012', 'mutate', 'default', true],
    ['com.example.ops', '123456789012', 'mutate', 'team-a', false],
    ['com.example.ops', '210987654321', 'read', 'default', false],
    ['com.example.other', '123456789012', 'read', 'default', false],
    ['aws.events', '210987654321', 'read', 'team-a', true],
    ['aws.events', '123456789012', 'mutate', 'default', false],
  ] as const)(
    'source %s from %s may %s in %s: %s',
    (source, account, action, namespace, allowed) => {
      const caller = callerOf({ source, account });
      expect(isAllowed(policy, caller, action, { cluster: 'demo', namespace })).toBe(allowed);
    },
  );
});

describe('the command request', () => {
  it('carries the cluster, the command as sent, dryRun when given, and the caller', () => {
    expect(requestOf(commandEventSchema.parse(TEXT))).toEqual({
      cluster: 'demo',
      command: 'apply -n default --enroll-namespace',
      dryRun: true,
      caller: { id: 'eventbridge:123456789012/com.example.ops', kind: 'eventbridge' },
    });
    expect(requestOf(commandEventSchema.parse(STRUCTURED))).not.toHaveProperty('dryRun');
  });
});

describe('the result event', () => {
  const event = commandEventSchema.parse(TEXT);
  const parsed = { verb: 'apply', namespace: 'default', enrollNamespace: true };

  it('announces an outcome: source io.waypointer, detail type waypointer.command.result', () => {
    const announced = resultEvent(event, { exitCode: 0, command: parsed, result: { plan: [] } });
    expect(announced).toEqual({
      source: RESULT_SOURCE,
      detailType: RESULT_DETAIL_TYPE,
      detail: {
        requestEventId: '6f0c2b8e-3d4a-4e1f-9b7c-2a5d8e1f0c39',
        cluster: 'demo',
        command: parsed,
        dryRun: true,
        exitCode: 0,
        result: { plan: [] },
        caller: 'eventbridge:123456789012/com.example.ops',
        actor: 'jdoe@example.com',
      },
    });
    expect([RESULT_SOURCE, RESULT_DETAIL_TYPE]).toEqual([
      'io.waypointer',
      'waypointer.command.result',
    ]);
  });

  it('carries the error of a failed command, a null actor and a null result when there are none', () => {
    const error = { type: 'ForbiddenError', message: 'caller eventbridge:... may not mutate' };
    const anonymous = { ...STRUCTURED, detail: { cluster: 'demo', command: 'list' } };
    const announced = resultEvent(commandEventSchema.parse(anonymous), {
      exitCode: 1,
      command: { verb: 'list' },
      result: undefined,
      error,
    });
    expect(announced.detail).toMatchObject({
      exitCode: 1,
      error,
      actor: null,
      result: null,
      dryRun: false,
    });
  });

  it('leaves out a result too large for PutEvents, and says so', () => {
    const huge = 'x'.repeat(PUT_EVENTS_MAX_BYTES);
    const announced = resultEvent(event, { exitCode: 0, command: parsed, result: [huge] });
    expect(announced.detail).toMatchObject({ result: null, truncated: true, exitCode: 0 });
    expect(entrySize(announced)).toBeLessThan(PUT_EVENTS_MAX_BYTES);
    const fits = resultEvent(event, { exitCode: 0, command: parsed, result: ['x'.repeat(1000)] });
    expect(fits.detail).not.toHaveProperty('truncated');
  });
});

describe('the size of a PutEvents entry', () => {
  it.each([
    [{ source: 'io.waypointer', detailType: 'x', detail: {} }, 14 + 13 + 1 + 2],
    [{ source: 's', detailType: 'é', detail: { a: 'é' } }, 14 + 1 + 2 + 10],
    [
      { source: 's', detailType: 'd', detail: {}, resources: ['arn:a', 'arn:bc'] },
      14 + 1 + 1 + 2 + 11,
    ],
  ])('%j is %i bytes', (event, bytes) => {
    expect(entrySize(event)).toBe(bytes);
  });
});

describe('the settings of eventbridge-command', () => {
  it('reads the idempotency table and the result bus (default: the default bus)', () => {
    expect(loadCommandEventsConfig({ WAYPOINTER_IDEMPOTENCY_TABLE: 't' })).toEqual({
      idempotencyTable: 't',
      resultBus: 'default',
    });
    expect(
      loadCommandEventsConfig({ WAYPOINTER_IDEMPOTENCY_TABLE: 't', WAYPOINTER_RESULT_BUS: '' }),
    ).toEqual({ idempotencyTable: 't', resultBus: 'default' });
    expect(
      loadCommandEventsConfig({ WAYPOINTER_IDEMPOTENCY_TABLE: 't', WAYPOINTER_RESULT_BUS: 'ops' }),
    ).toEqual({ idempotencyTable: 't', resultBus: 'ops' });
  });

  it('refuses a missing idempotency table, naming the variable', () => {
    expect(() => loadCommandEventsConfig({})).toThrow(ValidationError);
    expect(() => loadCommandEventsConfig({ WAYPOINTER_IDEMPOTENCY_TABLE: ' ' })).toThrow(
      /WAYPOINTER_IDEMPOTENCY_TABLE/,
    );
  });
});
