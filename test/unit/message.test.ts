/**
 * The published message of binding-changes.fifo: schema validity, determinism, chunking, batches.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sendBatches } from '../../shared/adapters/aws/sqs.ts';
import {
  computeNamespaceBindings,
  type NamespaceBinding,
  type PodBinding,
  type ServiceBinding,
  type WaypointRef,
} from '../../shared/domain/bindings.ts';
import { type BindingChange, diff } from '../../shared/domain/diff.ts';
import { ValidationError } from '../../shared/domain/errors.ts';
import {
  type BindingChangeEvent,
  type BindingChangeMessage,
  type BindingChangesInput,
  bindingChangeMessages,
  DATA_SCHEMA,
  DEFAULT_MAX_BYTES,
  EVENT_TYPE,
  eventSource,
  messageGroupId,
  messageId,
  TRIGGERS,
} from '../../shared/domain/message.ts';
import { NAMESPACES, snapshotArb } from '../support/arbitraries.ts';

// ajv-formats is CommonJS: Node hands its module.exports (the plugin) to a default import, while
// its types describe the ES module shape, whose default is the plugin.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule })
  .default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020;

const schema = JSON.parse(
  readFileSync(new URL('../../schemas/binding-changes.v1.schema.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
const ajv = addFormats(new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true }));
const validate = ajv.compile(schema);

function expectValid(event: unknown): void {
  const ok = validate(event);
  expect(ok ? [] : validate.errors).toEqual([]);
}

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');
const parse = (message: BindingChangeMessage): BindingChangeEvent =>
  JSON.parse(message.body) as BindingChangeEvent;

const waypoint: WaypointRef = { namespace: 'default', name: 'waypoint' };

function serviceBinding(
  name: string,
  message = 'Successfully attached to waypoint default/waypoint',
) {
  return {
    namespace: 'default',
    name,
    waypoint,
    canary: null,
    via: 'service',
    condition: { status: 'True', reason: 'WaypointAccepted', message },
  } satisfies ServiceBinding;
}

function serviceChange(name: string, message?: string): BindingChange {
  return {
    kind: 'Service',
    namespace: 'default',
    name,
    traffic: 'service',
    before: null,
    after: serviceBinding(name, message),
  };
}

const podBefore: PodBinding = { namespace: 'default', name: 'ratings-1', waypoint, via: 'pod' };
const nsAfter: NamespaceBinding = { namespace: 'default', waypoint, via: 'namespace' };

const changes: BindingChange[] = [
  {
    kind: 'Pod',
    namespace: 'default',
    name: 'ratings-1',
    traffic: 'workload',
    before: podBefore,
    after: null,
  },
  serviceChange('reviews'),
  {
    kind: 'Service',
    namespace: 'default',
    name: 'details',
    traffic: 'service',
    before: serviceBinding('details'),
    after: {
      namespace: 'default',
      name: 'details',
      waypoint: null,
      canary: null,
      via: 'service',
      condition: {
        status: 'False',
        reason: 'WaypointIsNotReady',
        message: 'waypoint "default/other" is not ready',
      },
    },
  },
  {
    kind: 'Namespace',
    namespace: 'default',
    name: 'default',
    traffic: 'workload',
    before: { namespace: 'default', waypoint: null, via: null },
    after: nsAfter,
  },
];

const base: BindingChangesInput = {
  cluster: 'prod',
  namespace: 'default',
  generation: 8,
  previousGeneration: 7,
  changes,
  cause: { trigger: 'audit', actor: 'alice@example.com', auditIds: ['b-2', 'a-1', 'b-2'] },
  source: eventSource('prod'),
  time: '2026-01-29T10:00:00.123Z',
};

describe('bindingChangeMessages', () => {
  it('publishes one schema-valid CloudEvent with the changes in a fixed order', () => {
    const messages = bindingChangeMessages(base);
    expect(messages).toHaveLength(1);
    const [message] = messages as [BindingChangeMessage];
    const event = parse(message);
    expectValid(event);
    expect(event).toMatchObject({
      specversion: '1.0',
      type: EVENT_TYPE,
      source: 'urn:waypointer:cluster:prod',
      subject: 'prod/default',
      id: message.id,
      time: base.time,
      datacontenttype: 'application/json',
      dataschema: DATA_SCHEMA,
    });
    expect(event.data.chunk).toBeUndefined();
    expect(event.data.changes.map((c) => `${c.kind}/${c.name}`)).toEqual([
      'Namespace/default',
      'Service/details',
      'Service/reviews',
      'Pod/ratings-1',
    ]);
    expect(event.data.changes[3]).toEqual({
      kind: 'Pod',
      name: 'ratings-1',
      traffic: 'workload',
      before: podBefore,
      after: null,
    });
    expect(event.data.cause).toEqual({
      trigger: 'audit',
      actor: 'alice@example.com',
      auditIds: ['a-1', 'b-2'],
    });
    expect(message).toMatchObject({ groupId: 'prod/default', deduplicationId: message.id });
    expect(message.id).toBe(messageId('prod', 'default', 8, 0));
  });

  it('matches the schema $id and the exported constants', () => {
    expect(schema.$id).toBe(DATA_SCHEMA);
    expect(DEFAULT_MAX_BYTES).toBe(262_144);
    // The JSON Schema lists the triggers the code defines once.
    const cause = (schema.$defs as { cause: { properties: { trigger: { enum: unknown } } } }).cause;
    expect(cause.properties.trigger.enum).toEqual([...TRIGGERS]);
  });

  it('is deterministic: input order, extra fields and key order do not matter', () => {
    const first = bindingChangeMessages(base);
    const again = bindingChangeMessages({
      ...base,
      changes: [...changes].reverse().map((c) => ({
        ...c,
        before:
          c.before === null ? null : ({ extra: 1, ...c.before } as unknown as typeof c.before),
      })),
      cause: { ...base.cause, auditIds: ['a-1', 'b-2'] },
    });
    expect(again).toEqual(first);
  });

  it('keeps ids across re-publication of a generation and changes them with the generation', () => {
    const retry = bindingChangeMessages({ ...base, time: '2026-01-29T10:05:00Z' });
    expect(retry.map((m) => m.id)).toEqual(bindingChangeMessages(base).map((m) => m.id));
    const next = bindingChangeMessages({ ...base, generation: 9, previousGeneration: 8 });
    expect(next[0]?.id).not.toBe(retry[0]?.id);
    expect(messageId('prod', 'default', 8, 1)).not.toBe(messageId('prod', 'default', 8, 0));
    expect(messageId('a/b', 'c', 1, 0)).not.toBe(messageId('a', 'b/c', 1, 0));
  });

  it('publishes schema-valid chunks for any diff of generated clusters', () => {
    const empty = { services: [], pods: [], namespaces: [] };
    fc.assert(
      fc.property(
        snapshotArb,
        snapshotArb,
        fc.constantFrom(...NAMESPACES),
        fc.boolean(),
        fc.integer({ min: 1500, max: 4000 }),
        (before, after, namespace, deleted, maxBytes) => {
          const old = computeNamespaceBindings(before, namespace);
          const next = deleted ? empty : computeNamespaceBindings(after, namespace);
          const input = { ...base, namespace, changes: diff(old, next), maxBytes };
          const messages = bindingChangeMessages(input);
          const events = messages.map(parse);
          for (const [i, m] of messages.entries()) {
            expect(bytes(m.body)).toBeLessThanOrEqual(maxBytes);
            expectValid(events[i]);
          }
          const published = events.flatMap((e) => e.data.changes);
          expect(published).toHaveLength(input.changes.length);
          expect(bindingChangeMessages(input)).toEqual(messages);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('publishes a Service canary, schema-valid, and accepts a stored binding without one', () => {
    const canary = { waypoint: { namespace: 'default', name: 'waypoint-v2' }, weight: 5 };
    const stored = { ...serviceBinding('reviews') } as Record<string, unknown>;
    delete stored.canary;
    const [message] = bindingChangeMessages({
      ...base,
      changes: [
        {
          kind: 'Service',
          namespace: 'default',
          name: 'reviews',
          traffic: 'service',
          before: stored as unknown as ServiceBinding,
          after: { ...serviceBinding('reviews'), canary },
        },
      ],
    });
    const event = parse(message as BindingChangeMessage);
    expectValid(event);
    expect(event.data.changes[0]?.before).toMatchObject({ canary: null });
    expect(event.data.changes[0]?.after).toMatchObject({ canary });
    const bad = {
      ...event,
      data: {
        ...event.data,
        changes: [
          {
            ...event.data.changes[0],
            after: { ...serviceBinding('reviews'), canary: { ...canary, weight: 101 } },
          },
        ],
      },
    };
    expect(validate(bad)).toBe(false);
  });

  it('publishes nothing for no changes', () => {
    expect(bindingChangeMessages({ ...base, changes: [] })).toEqual([]);
  });

  it('publishes a deleted namespace with every binding removed, and a null actor', () => {
    const removed = changes.map((c) => ({ ...c, before: c.before ?? c.after, after: null }));
    const messages = bindingChangeMessages({
      ...base,
      changes: removed,
      cause: { trigger: 'sweep', actor: null, auditIds: [] },
    });
    for (const m of messages) expectValid(parse(m));
  });

  it('chunks many large changes under the default limit, in order, every chunk valid', () => {
    const long = `Successfully attached to waypoint default/waypoint ${'é'.repeat(1500)}`;
    const many = Array.from({ length: 600 }, (_, i) =>
      serviceChange(`svc-${String(i).padStart(4, '0')}`, long),
    );
    const messages = bindingChangeMessages({ ...base, changes: many });
    expect(messages.length).toBeGreaterThan(3);
    const events = messages.map(parse);
    messages.forEach((m, index) => {
      expect(bytes(m.body)).toBeLessThanOrEqual(DEFAULT_MAX_BYTES);
      expect(m.id).toBe(messageId('prod', 'default', 8, index));
      expect(m.groupId).toBe('prod/default');
      expect(events[index]?.data.chunk).toEqual({ index, count: messages.length });
      expectValid(events[index]);
    });
    expect(new Set(messages.map((m) => m.id)).size).toBe(messages.length);
    expect(events.flatMap((e) => e.data.changes.map((c) => c.name))).toEqual(
      many.map((c) => c.name),
    );
    // greedy fill: each chunk but the last could not take the next change
    const firstOfNext = events[1]?.data.changes[0];
    expect(bytes(messages[0]?.body ?? '') + bytes(JSON.stringify(firstOfNext)) + 1).toBeGreaterThan(
      DEFAULT_MAX_BYTES,
    );
    expect(bindingChangeMessages({ ...base, changes: many })).toEqual(messages);
  });

  it('honours a smaller maxBytes', () => {
    const messages = bindingChangeMessages({ ...base, maxBytes: 1500 });
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) {
      expect(bytes(m.body)).toBeLessThanOrEqual(1500);
      expectValid(parse(m));
    }
  });

  it('refuses a single change larger than the limit, saying so', () => {
    const huge = serviceChange('huge', 'x'.repeat(DEFAULT_MAX_BYTES));
    expect(() => bindingChangeMessages({ ...base, changes: [huge] })).toThrow(
      /Service huge is too large to publish.*never split/,
    );
    expect(() => bindingChangeMessages({ ...base, changes: [...changes, huge] })).toThrow(
      ValidationError,
    );
  });

  it('refuses invalid input instead of publishing a message the schema rejects', () => {
    const bad: Partial<BindingChangesInput>[] = [
      { cluster: '' },
      { namespace: 'a/b' },
      { generation: 0 },
      { previousGeneration: 8 },
      { time: 'yesterday' },
      { time: '2026-02-30T10:00:00Z' },
      { time: '2026-01-29T24:00:00Z' },
      { source: 'not a uri' },
      { maxBytes: 2 * 1_048_576 },
      { cause: { trigger: 'manual' as 'api', actor: null, auditIds: [] } },
      { cause: { trigger: 'api', actor: null, auditIds: [''] } },
      { changes: [{ ...serviceChange('x'), namespace: 'other' }] },
      { changes: [{ ...serviceChange('x'), traffic: 'workload' }] },
      { changes: [{ ...serviceChange('x'), after: null }] },
      { changes: [{ ...serviceChange(''), name: '' }] },
      { changes: [serviceChange('x'), serviceChange('x')] },
      { changes: [{ ...changes[0], after: { ...podBefore, via: 'service' } } as BindingChange] },
      { changes: [{ ...changes[0], kind: 'Namespace', traffic: 'workload' } as BindingChange] },
      { changes: [{ ...serviceChange('x'), kind: 'Deployment' } as unknown as BindingChange] },
    ];
    for (const override of bad) {
      expect(
        () => bindingChangeMessages({ ...base, ...override }),
        JSON.stringify(override),
      ).toThrow(ValidationError);
    }
  });
});

describe('messageGroupId', () => {
  it('is <cluster>/<namespace> when SQS accepts it, else a hashed form SQS accepts', () => {
    expect(messageGroupId('prod', 'default')).toBe('prod/default');
    const long = messageGroupId('c'.repeat(100), 'n'.repeat(63));
    expect(long).toHaveLength(128);
    expect(long).toMatch(/^c+#[0-9a-f]{64}$/);
    expect(messageGroupId('c'.repeat(100), 'n'.repeat(62))).not.toBe(long);
    expect(messageGroupId('prod cluster', 'ns')).toMatch(/^prod_cluster\/ns#[0-9a-f]{64}$/);
  });

  it('is used for long names, and the subject stays readable', () => {
    const [message] = bindingChangeMessages({ ...base, cluster: 'c'.repeat(120) });
    expect(message?.groupId).toMatch(/^[!-~]{1,128}$/);
    expect(message?.deduplicationId).toMatch(/^[0-9a-f]{64}$/);
    expect(parse(message as BindingChangeMessage).subject).toBe(`${'c'.repeat(120)}/default`);
  });
});

describe('sendBatches (the SQS adapter batches published messages)', () => {
  const message = (i: number, size: number, groupId = `prod/ns-${i}`): BindingChangeMessage => ({
    id: `id-${i}`,
    groupId,
    deduplicationId: `id-${i}`,
    body: 'x'.repeat(size),
  });

  it('puts at most 10 entries in a batch, in order', () => {
    const messages = Array.from({ length: 23 }, (_, i) => message(i, 100));
    const batches = sendBatches(messages);
    expect(batches.map((b) => b.length)).toEqual([10, 10, 3]);
    expect(batches.flat()).toEqual(messages);
  });

  it('keeps every batch at most 1 MiB', () => {
    const messages = Array.from({ length: 9 }, (_, i) => message(i, DEFAULT_MAX_BYTES));
    const batches = sendBatches(messages);
    expect(batches.map((b) => b.length)).toEqual([4, 4, 1]);
    const exact = [message(0, 1_048_575), message(1, 1)];
    expect(sendBatches(exact).map((b) => b.length)).toEqual([2]);
    expect(sendBatches([...exact, message(2, 1)]).map((b) => b.length)).toEqual([2, 1]);
    expect(sendBatches([])).toEqual([]);
  });

  it('counts bytes, not characters, and refuses a message over 1 MiB', () => {
    const wide = { ...message(0, 0), body: 'é'.repeat(300_000) };
    expect(sendBatches([wide, wide].map((m, i) => ({ ...m, id: `w${i}` }))).length).toBe(2);
    expect(() => sendBatches([message(0, 1_048_577)])).toThrow(ValidationError);
  });

  it('never repeats an id in one batch', () => {
    expect(sendBatches([message(1, 1), message(1, 1)]).map((b) => b.length)).toEqual([1, 1]);
  });

  it('never puts two messages of one group in a batch: a resent entry cannot overtake', () => {
    const group = [0, 1, 2].map((i) => message(i, 1, 'prod/default'));
    expect(sendBatches(group).map((b) => b.length)).toEqual([1, 1, 1]);
    const mixed = [message(0, 1, 'a'), message(1, 1, 'b'), message(2, 1, 'a'), message(3, 1, 'c')];
    expect(sendBatches(mixed).map((b) => b.map((m) => m.id))).toEqual([
      ['id-0', 'id-1'],
      ['id-2', 'id-3'],
    ]);
  });

  it('batches real chunked messages', () => {
    const many = Array.from({ length: 600 }, (_, i) => serviceChange(`s${i}`, 'é'.repeat(1500)));
    const messages = bindingChangeMessages({ ...base, changes: many });
    for (const batch of sendBatches(messages)) {
      expect(batch.length).toBeLessThanOrEqual(10);
      expect(batch.reduce((sum, m) => sum + bytes(m.body), 0)).toBeLessThanOrEqual(1_048_576);
    }
  });
});

describe('the schema', () => {
  const [valid] = bindingChangeMessages(base).map(parse) as [BindingChangeEvent];
  const mutate = (edit: (event: Record<string, unknown>) => void): unknown => {
    const copy = structuredClone(valid) as unknown as Record<string, unknown>;
    edit(copy);
    return copy;
  };
  const data = (event: Record<string, unknown>): Record<string, unknown> =>
    event.data as Record<string, unknown>;
  const change = (event: Record<string, unknown>, i: number): Record<string, unknown> =>
    (data(event).changes as Record<string, unknown>[])[i] as Record<string, unknown>;

  it('accepts a CloudEvents extension attribute', () => {
    expectValid(mutate((e) => Object.assign(e, { traceparent: '00-abc-def-01' })));
  });

  it.each([
    ['a wrong type', (e: Record<string, unknown>) => Object.assign(e, { type: 'io.other.v1' })],
    ['a missing subject', (e: Record<string, unknown>) => delete e.subject],
    [
      'a wrong specversion',
      (e: Record<string, unknown>) => Object.assign(e, { specversion: '0.3' }),
    ],
    ['a bad time', (e: Record<string, unknown>) => Object.assign(e, { time: 'noon' })],
    ['a bad id', (e: Record<string, unknown>) => Object.assign(e, { id: 'x' })],
    ['an invalid extension name', (e: Record<string, unknown>) => Object.assign(e, { Foo: 1 })],
    [
      'an unknown kind',
      (e: Record<string, unknown>) => Object.assign(change(e, 1), { kind: 'Gateway' }),
    ],
    [
      'an unknown traffic',
      (e: Record<string, unknown>) => Object.assign(change(e, 1), { traffic: 'all' }),
    ],
    [
      'traffic not of the kind',
      (e: Record<string, unknown>) => Object.assign(change(e, 1), { traffic: 'workload' }),
    ],
    [
      'an unknown change field',
      (e: Record<string, unknown>) => Object.assign(change(e, 1), { namespace: 'x' }),
    ],
    [
      'no before and no after',
      (e: Record<string, unknown>) => Object.assign(change(e, 0), { before: null, after: null }),
    ],
    [
      'a pod binding for a Service',
      (e: Record<string, unknown>) => Object.assign(change(e, 1), { before: podBefore }),
    ],
    [
      'a pod via on a namespace',
      (e: Record<string, unknown>) =>
        Object.assign(change(e, 0), { after: { ...nsAfter, via: 'pod' } }),
    ],
    [
      'an unknown condition reason',
      (e: Record<string, unknown>) =>
        Object.assign(change(e, 1), {
          after: {
            ...serviceBinding('details'),
            condition: { status: 'True', reason: 'Fine', message: '' },
          },
        }),
    ],
    [
      'status True with an error reason',
      (e: Record<string, unknown>) =>
        Object.assign(change(e, 1), {
          after: {
            ...serviceBinding('details'),
            condition: { status: 'True', reason: 'AttachmentDenied', message: '' },
          },
        }),
    ],
    [
      'a missing binding field',
      (e: Record<string, unknown>) =>
        Object.assign(change(e, 3), { before: { ...podBefore, via: undefined } }),
    ],
    [
      'an unknown data field',
      (e: Record<string, unknown>) => Object.assign(data(e), { extra: true }),
    ],
    ['no changes', (e: Record<string, unknown>) => Object.assign(data(e), { changes: [] })],
    ['generation 0', (e: Record<string, unknown>) => Object.assign(data(e), { generation: 0 })],
    [
      'a one-chunk chunk',
      (e: Record<string, unknown>) => Object.assign(data(e), { chunk: { index: 0, count: 1 } }),
    ],
    [
      'an unknown trigger',
      (e: Record<string, unknown>) =>
        Object.assign(data(e), { cause: { trigger: 'cron', actor: null, auditIds: [] } }),
    ],
    [
      'a missing actor',
      (e: Record<string, unknown>) =>
        Object.assign(data(e), { cause: { trigger: 'api', auditIds: [] } }),
    ],
  ])('rejects %s', (_, edit) => {
    const event = JSON.parse(JSON.stringify(mutate(edit))) as unknown;
    expect(validate(event)).toBe(false);
  });
});
