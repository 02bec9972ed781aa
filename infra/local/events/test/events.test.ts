/**
 * The embedded EventBridge endpoint through the real `@aws-sdk/client-eventbridge` (AWS JSON 1.1
 * over HTTP): PutEvents' per-entry results and request errors, the event envelope targets
 * receive, rules on named buses, failed deliveries kept as dead letters, the event log, ListRules
 * and DescribeRule.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListRulesCommand,
  PutEventsCommand,
  type PutEventsRequestEntry,
  PutRuleCommand,
} from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventsServer } from '../src/server.ts';
import {
  type DeadLetter,
  type EventBridgeEvent,
  EventsService,
  MAX_REQUEST_BYTES,
} from '../src/service.ts';

const NOW = Date.parse('2026-12-03T10:00:00.750Z');
const received: Record<string, EventBridgeEvent[]> = { audit: [], bus: [], flaky: [], broken: [] };
const dead: DeadLetter[] = [];
let flakyFailures = 0;
let logFile: string;
let server: EventsServer;
let client: EventBridgeClient;

const clientOf = (endpoint: string): EventBridgeClient =>
  new EventBridgeClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });

beforeAll(async () => {
  logFile = join(await mkdtemp(join(tmpdir(), 'events-')), 'events.jsonl');
  server = new EventsServer({
    now: () => NOW,
    region: 'eu-west-1',
    accountId: '123456789012',
    logFile,
    retryAttempts: 2,
    onDeadLetter: (letter) => dead.push(letter),
    rules: [
      {
        name: 'audit',
        description: 'Kubernetes audit events',
        pattern: { source: ['com.example.k8s-audit'], 'detail-type': ['Kubernetes Audit Event'] },
        target: (event) => {
          received.audit?.push(event);
        },
      },
      {
        name: 'on-bus',
        eventBusName: 'commands',
        pattern: '{"source": [{"prefix": "com.example"}]}',
        target: (event) => {
          received.bus?.push(event);
        },
      },
      {
        name: 'flaky',
        pattern: { source: ['flaky'] },
        target: (event) => {
          received.flaky?.push(event);
          if (flakyFailures-- > 0) throw new Error('not yet');
        },
      },
      {
        name: 'broken',
        pattern: { source: ['broken'] },
        target: async (event) => {
          received.broken?.push(event);
          throw new Error('the handler failed');
        },
      },
    ],
  });
  client = clientOf(await server.start());
});

afterAll(async () => {
  client.destroy();
  await server.stop();
});

async function put(entries: PutEventsRequestEntry[]): Promise<{
  FailedEntryCount?: number;
  Entries?: { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[];
}> {
  const output = await client.send(new PutEventsCommand({ Entries: entries }));
  await server.service.settled();
  return output;
}

async function failure(send: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await send;
  } catch (error) {
    const e = error as Error & { $metadata: { httpStatusCode: number } };
    return { name: e.name, status: e.$metadata.httpStatusCode, message: e.message };
  }
  throw new Error('expected the request to fail');
}

const AUDIT = {
  Source: 'com.example.k8s-audit',
  DetailType: 'Kubernetes Audit Event',
  Detail: JSON.stringify({ cluster: 'demo', event: { verb: 'patch' } }),
};

describe('PutEvents', () => {
  it('delivers the event envelope Lambda receives to the matching rule', async () => {
    const out = await put([
      { ...AUDIT, Resources: ['arn:aws:eks:eu-west-1:123456789012:cluster/demo'] },
    ]);
    expect(out.FailedEntryCount).toBe(0);
    const id = out.Entries?.[0]?.EventId;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(received.audit?.at(-1)).toEqual({
      version: '0',
      id,
      'detail-type': 'Kubernetes Audit Event',
      source: 'com.example.k8s-audit',
      account: '123456789012',
      time: '2026-12-03T10:00:00Z',
      region: 'eu-west-1',
      resources: ['arn:aws:eks:eu-west-1:123456789012:cluster/demo'],
      detail: { cluster: 'demo', event: { verb: 'patch' } },
    });
  });

  it("takes the entry's Time, to the second, and gives each event its own id", async () => {
    const out = await put([
      { ...AUDIT, Time: new Date('2026-11-24T10:16:27.410Z') },
      { ...AUDIT, Time: new Date('2026-11-24T10:16:28Z') },
    ]);
    const [first, second] = received.audit?.slice(-2) ?? [];
    expect(first?.time).toBe('2026-11-24T10:16:27Z');
    expect(second?.time).toBe('2026-11-24T10:16:28Z');
    expect(first?.resources).toEqual([]);
    expect(new Set(out.Entries?.map((e) => e.EventId)).size).toBe(2);
    expect(out.Entries?.map((e) => e.EventId)).toEqual([first?.id, second?.id]);
  });

  it('routes by event bus, named or by ARN; default when absent', async () => {
    const before = { audit: received.audit?.length, bus: received.bus?.length };
    await put([
      { ...AUDIT, EventBusName: 'commands' },
      { ...AUDIT, EventBusName: 'arn:aws:events:eu-west-1:123456789012:event-bus/commands' },
      { ...AUDIT, EventBusName: 'arn:aws:events:eu-west-1:123456789012:event-bus/default' },
      { ...AUDIT, EventBusName: 'nobody-listens' },
    ]);
    expect(received.bus?.length).toBe((before.bus ?? 0) + 2);
    expect(received.audit?.length).toBe((before.audit ?? 0) + 1);
    expect(
      server.service
        .events()
        .slice(-4)
        .map((e) => [e.eventBusName, e.rules]),
    ).toEqual([
      ['commands', ['on-bus']],
      ['commands', ['on-bus']],
      ['default', ['audit']],
      ['nobody-listens', []],
    ]);
  });

  it('answers each entry: failures carry ErrorCode and ErrorMessage, in order', async () => {
    const delivered = received.audit?.length ?? 0;
    const out = await put([
      { DetailType: 'x', Detail: '{}' },
      { Source: 's', Detail: '{}' },
      { Source: 's', DetailType: 'x' },
      { Source: '', DetailType: 'x', Detail: '{}' },
      { Source: 's', DetailType: 'x', Detail: '[1, 2]' },
      { Source: 's', DetailType: 'x', Detail: '{"unterminated": ' },
      AUDIT,
    ]);
    expect(out.FailedEntryCount).toBe(6);
    expect(out.Entries?.slice(0, 6)).toEqual([
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
      },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage:
          'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
      },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.',
      },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
      },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
    ]);
    expect(out.Entries?.[6]?.EventId).toBeDefined();
    expect(received.audit?.length).toBe(delivered + 1);
  });

  it.each([
    [0, 'Member must have length greater than or equal to 1'],
    [11, 'Member must have length less than or equal to 10'],
  ])('refuses %i entries with ValidationException', async (count, reason) => {
    const entries = Array.from({ length: count }, () => AUDIT);
    const error = await failure(client.send(new PutEventsCommand({ Entries: entries })));
    expect(error).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(error.message).toContain("at 'entries' failed to satisfy constraint");
    expect(error.message).toContain(reason);
  });

  it('takes a request of exactly the size limit and refuses one byte more', async () => {
    // Size as the service counts it: Source + DetailType + Detail + Resources (+ 14 for Time).
    const fixed = 's'.length + 'd'.length + 'arn'.length + 14 + '{"a":""}'.length;
    const detail = (size: number): string => JSON.stringify({ a: 'x'.repeat(size - fixed) });
    const entry = (size: number): PutEventsRequestEntry => ({
      Source: 's',
      DetailType: 'd',
      Resources: ['arn'],
      Time: new Date(NOW),
      Detail: detail(size),
    });
    const ok = await put([entry(MAX_REQUEST_BYTES)]);
    expect(ok.FailedEntryCount).toBe(0);
    const error = await failure(
      client.send(new PutEventsCommand({ Entries: [entry(MAX_REQUEST_BYTES + 1)] })),
    );
    expect(error).toEqual({
      name: 'ValidationException',
      status: 400,
      message: 'Total size of the entries in the request is over the limit.',
    });
  });

  it('counts the limit over all entries of a request', async () => {
    const half = {
      Source: 's',
      DetailType: 'd',
      Detail: JSON.stringify({ a: 'x'.repeat(MAX_REQUEST_BYTES / 2) }),
    };
    const error = await failure(client.send(new PutEventsCommand({ Entries: [half, half] })));
    expect(error.name).toBe('ValidationException');
  });

  it('answers before the deliveries end: they are asynchronous, as in EventBridge', async () => {
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let done = false;
    const events = new EventsService({
      rules: [
        {
          name: 'slow',
          pattern: { source: ['s'] },
          target: async () => {
            await gate;
            done = true;
          },
        },
      ],
    });
    const out = await events.call('PutEvents', {
      Entries: [{ Source: 's', DetailType: 'd', Detail: '{}' }],
    });
    expect(out.FailedEntryCount).toBe(0);
    expect(done).toBe(false);
    release();
    await events.settled();
    expect(done).toBe(true);
    expect(events.stats()).toEqual({ received: 1, delivered: 1, failed: 0 });
  });
});

describe('failed deliveries', () => {
  it('retries a delivery that throws, then counts it delivered', async () => {
    flakyFailures = 2;
    const stats = server.service.stats();
    await put([{ Source: 'flaky', DetailType: 'd', Detail: '{}' }]);
    expect(received.flaky).toHaveLength(3);
    expect(server.service.stats().delivered).toBe(stats.delivered + 1);
    expect(server.service.stats().failed).toBe(stats.failed);
  });

  it('keeps an event whose every attempt fails as a dead letter, logged and counted', async () => {
    const stats = server.service.stats();
    const out = await put([{ Source: 'broken', DetailType: 'd', Detail: '{"n":1}' }]);
    // PutEvents succeeded: delivery failures are not the caller's.
    expect(out.FailedEntryCount).toBe(0);
    expect(received.broken).toHaveLength(3);
    const letter = server.service.deadLetters().at(-1);
    expect(letter).toMatchObject({
      rule: 'broken',
      ruleArn: 'arn:aws:events:eu-west-1:123456789012:rule/broken',
      errorMessage: 'the handler failed',
      attempts: 3,
      event: { id: out.Entries?.[0]?.EventId, detail: { n: 1 } },
    });
    expect(dead.at(-1)).toEqual(letter);
    expect(server.service.stats().failed).toBe(stats.failed + 1);
  });

  it('writes one JSON line on stderr for a dead letter when nobody listens', async () => {
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string): boolean => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      const events = new EventsService({
        rules: [{ name: 'r', pattern: {}, target: () => Promise.reject('refused') }],
      });
      await events.call('PutEvents', { Entries: [{ Source: 's', DetailType: 'd', Detail: '{}' }] });
      await events.settled();
    } finally {
      process.stderr.write = write;
    }
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: 'event delivery failed',
        rule: 'r',
        error: 'refused',
      }),
    ]);
  });

  it('gives each target its own copy of the event', async () => {
    const seen: unknown[] = [];
    const events = new EventsService({
      rules: [
        {
          name: 'a',
          pattern: {},
          target: (event) => {
            (event.detail as { n: number }).n = 2;
          },
        },
        { name: 'b', pattern: {}, target: (event) => void seen.push(event.detail) },
      ],
    });
    await events.call('PutEvents', {
      Entries: [{ Source: 's', DetailType: 'd', Detail: '{"n":1}' }],
    });
    await events.settled();
    expect(seen).toEqual([{ n: 1 }]);
    expect(events.events()[0]?.event.detail).toEqual({ n: 1 });
  });
});

describe('the event log', () => {
  it('keeps every accepted event in memory and in the JSONL file, with the rules it matched', async () => {
    const lines = (await readFile(logFile, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toEqual(JSON.parse(JSON.stringify(server.service.events())));
    expect(lines.length).toBe(server.service.stats().received);
    expect(lines[0]).toMatchObject({ eventBusName: 'default', rules: ['audit'] });
  });
});

describe('ListRules and DescribeRule', () => {
  it('lists the rules of a bus, by name prefix, a page at a time', async () => {
    const all = await client.send(new ListRulesCommand({}));
    expect(all.Rules?.map((r) => r.Name)).toEqual(['audit', 'broken', 'flaky']);
    expect(all.Rules?.[0]).toEqual({
      Name: 'audit',
      Arn: 'arn:aws:events:eu-west-1:123456789012:rule/audit',
      EventPattern: JSON.stringify({
        source: ['com.example.k8s-audit'],
        'detail-type': ['Kubernetes Audit Event'],
      }),
      State: 'ENABLED',
      Description: 'Kubernetes audit events',
      EventBusName: 'default',
    });
    const page = await client.send(new ListRulesCommand({ Limit: 2 }));
    expect(page.Rules?.map((r) => r.Name)).toEqual(['audit', 'broken']);
    const next = await client.send(new ListRulesCommand({ Limit: 2, NextToken: page.NextToken }));
    expect(next.Rules?.map((r) => r.Name)).toEqual(['flaky']);
    expect(next.NextToken).toBeUndefined();
    const prefixed = await client.send(new ListRulesCommand({ NamePrefix: 'fl' }));
    expect(prefixed.Rules?.map((r) => r.Name)).toEqual(['flaky']);
    const bus = await client.send(new ListRulesCommand({ EventBusName: 'commands' }));
    expect(bus.Rules?.map((r) => r.Arn)).toEqual([
      'arn:aws:events:eu-west-1:123456789012:rule/commands/on-bus',
    ]);
  });

  it.each([
    [0, 'greater than or equal to 1'],
    [101, 'less than or equal to 100'],
  ])('refuses a Limit of %i', async (limit, reason) => {
    const error = await failure(client.send(new ListRulesCommand({ Limit: limit })));
    expect(error).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(error.message).toContain(
      `at 'limit' failed to satisfy constraint: Member must have value ${reason}`,
    );
  });

  it('refuses a NextToken it did not give', async () => {
    const error = await failure(client.send(new ListRulesCommand({ NextToken: 'bogus' })));
    expect(error).toMatchObject({ name: 'ValidationException', status: 400 });
  });

  it('describes a rule, and names a missing one ResourceNotFoundException', async () => {
    const rule = await client.send(
      new DescribeRuleCommand({ Name: 'on-bus', EventBusName: 'commands' }),
    );
    expect(rule).toMatchObject({
      Name: 'on-bus',
      EventBusName: 'commands',
      State: 'ENABLED',
      EventPattern: '{"source":[{"prefix":"com.example"}]}',
      CreatedBy: '123456789012',
    });
    const error = await failure(client.send(new DescribeRuleCommand({ Name: 'on-bus' })));
    expect(error).toEqual({
      name: 'ResourceNotFoundException',
      status: 400,
      message: 'Rule on-bus does not exist on EventBus default.',
    });
  });
});

describe('the protocol', () => {
  const raw = (headers: Record<string, string>, body: string): Promise<Response> =>
    fetch(server.url, { method: 'POST', headers, body });
  const json11 = { 'content-type': 'application/x-amz-json-1.1' };

  it('names an operation it does not serve UnknownOperationException', async () => {
    const error = await failure(client.send(new PutRuleCommand({ Name: 'r', EventPattern: '{}' })));
    expect(error).toMatchObject({ name: 'UnknownOperationException', status: 400 });
    const wrongType = await raw(
      { 'content-type': 'application/json', 'x-amz-target': 'AWSEvents.PutEvents' },
      '{}',
    );
    expect(wrongType.status).toBe(400);
    expect(await wrongType.json()).toEqual({ __type: 'UnknownOperationException', message: '' });
  });

  it.each([
    ['a body that is not JSON', '{"Entries": [', 'Request body is not valid JSON.'],
    ['a body that is not an object', '[]', 'Request body must be a JSON object.'],
    [
      'Entries that are not a list',
      '{"Entries": "x"}',
      'Unexpected value for Entries: expected a list.',
    ],
    [
      'an entry that is not a structure',
      '{"Entries": ["x"]}',
      'Unexpected value for Entries: expected a list of structures.',
    ],
    [
      'a Source that is not a string',
      '{"Entries": [{"Source": 1}]}',
      'Unexpected value for Source: expected a string.',
    ],
    [
      'Resources that are not strings',
      '{"Entries": [{"Resources": [1]}]}',
      'Unexpected value for Resources: expected a list of strings.',
    ],
    [
      'a Time that is not a timestamp',
      '{"Entries": [{"Time": "noon"}]}',
      'Unexpected value for Time: expected a timestamp.',
    ],
  ])('refuses %s with SerializationException', async (_name, body, message) => {
    const response = await raw({ ...json11, 'x-amz-target': 'AWSEvents.PutEvents' }, body);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ __type: 'SerializationException', message });
  });

  it('refuses an empty body with the missing member, as the service does', async () => {
    const response = await raw({ ...json11, 'x-amz-target': 'AWSEvents.PutEvents' }, '');
    expect(await response.json()).toEqual({
      __type: 'ValidationException',
      message:
        "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
    });
    const describe = await raw({ ...json11, 'x-amz-target': 'AWSEvents.DescribeRule' }, '{}');
    expect(((await describe.json()) as { message: string }).message).toContain("at 'name'");
  });

  it('answers a failing target with InternalException, never a hang', async () => {
    const service = new EventsService();
    const events = new EventsServer();
    // A service whose operation throws something that is not an EventsError.
    Object.defineProperty(events, 'service', { value: service });
    service.call = () => Promise.reject(new Error('boom'));
    const url = await events.start();
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...json11, 'x-amz-target': 'AWSEvents.PutEvents' },
      body: '{}',
    });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ __type: 'InternalException', message: 'boom' });
    await events.stop();
  });

  it('starts once, and not again after it stopped', async () => {
    const events = new EventsServer();
    expect(() => events.url).toThrow('not started');
    const url = await events.start();
    expect(await events.start()).toBe(url);
    await events.stop();
    await expect(events.start()).rejects.toThrow('was stopped');
  });

  it('refuses a rule whose pattern is invalid', () => {
    expect(() =>
      server.service.putRule({ name: 'bad', pattern: { source: 'x' }, target: () => undefined }),
    ).toThrow('Event pattern is not valid. Reason: "source" must be an object or an array');
  });
});
