/**
 * The EventBridge publisher adapter (shared/adapters/aws/events.ts) through the real
 * `@aws-sdk/client-eventbridge` against the embedded EventBridge endpoint: what it sends arrives as
 * events on the bus, ten a call, in order; an entry the service refuses is an error naming it.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { type EventBridgeEvent, EventsServer } from '@waypointer/events-endpoint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBridgePublisher } from '../../shared/adapters/aws/events.ts';
import { UnavailableError } from '../../shared/domain/errors.ts';

const results: EventBridgeEvent[] = [];
const server = new EventsServer({
  rules: [
    {
      name: 'results',
      eventBusName: 'ops-bus',
      pattern: { source: ['io.waypointer'], 'detail-type': ['waypointer.command.result'] },
      target: (event) => {
        results.push(event);
      },
    },
  ],
});
let client: EventBridgeClient;

beforeAll(async () => {
  client = new EventBridgeClient({
    endpoint: await server.start(),
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client.destroy();
  await server.stop();
});

describe('EventBridgePublisher on the embedded endpoint', () => {
  it('publishes every event, ten a PutEvents call, in order, on its bus', async () => {
    const events = Array.from({ length: 12 }, (_, n) => ({
      source: 'io.waypointer',
      detailType: 'waypointer.command.result',
      detail: { n },
      time: new Date('2026-12-03T10:00:00Z'),
      resources: ['arn:aws:eks:eu-west-1:123456789012:cluster/demo'],
    }));
    await new EventBridgePublisher(client, 'ops-bus').publish(events);
    await server.service.settled();
    expect(results.map((e) => e.detail)).toEqual(events.map((e) => e.detail));
    expect(results[0]).toMatchObject({
      source: 'io.waypointer',
      'detail-type': 'waypointer.command.result',
      time: '2026-12-03T10:00:00Z',
      resources: ['arn:aws:eks:eu-west-1:123456789012:cluster/demo'],
    });
    expect(server.service.events().every((e) => e.eventBusName === 'ops-bus')).toBe(true);
  });

  it('throws UnavailableError naming the entries the service refuses', async () => {
    const publisher = new EventBridgePublisher(client, 'ops-bus');
    const error = await publisher
      .publish([
        { source: 'io.waypointer', detailType: 'ok', detail: {} },
        { source: '', detailType: 'no-source', detail: {} },
      ])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toBe(
      'EventBridge refused 1 of 2 event(s) to bus ops-bus: no-source: InvalidArgument: Parameter Source is not valid. Reason: Source is a required argument.',
    );
  });
});
