/**
 * `npm start` tells about the pipeline: a line per reconcile request and per published message.
 */
import { describe, expect, it } from 'vitest';
import { bindingChangeMessages } from '../../../../shared/domain/message.ts';
import { logged, publishedLine, requestLine } from '../src/activity-log.ts';

const waypoint = (name: string) => ({ namespace: 'default', name });

describe('the activity log', () => {
  it('says which namespace a reconcile is asked for, why and by whom', () => {
    expect(
      requestLine({
        cluster: 'local',
        namespace: 'default',
        trigger: 'audit',
        actor: 'alice',
        auditIds: ['a', 'b'],
      }),
    ).toBe('reconcile requested for local/default (audit by alice, 2 audit event(s))');
    expect(
      requestLine({
        cluster: 'local',
        namespace: 'x',
        trigger: 'sweep',
        actor: null,
        auditIds: [],
      }),
    ).toBe('reconcile requested for local/x (sweep)');
  });

  it('summarises a published message: namespace, generation, cause, the first changes', () => {
    const [message] = bindingChangeMessages({
      cluster: 'local',
      namespace: 'default',
      generation: 2,
      previousGeneration: 1,
      changes: ['details', 'productpage', 'ratings', 'reviews'].map((name) => ({
        kind: 'Service' as const,
        namespace: 'default',
        name,
        traffic: 'service' as const,
        before: { namespace: 'default', name, waypoint: null, via: null, condition: null },
        after: {
          namespace: 'default',
          name,
          waypoint: waypoint('waypoint'),
          via: 'namespace' as const,
          condition: null,
        },
      })),
      cause: { trigger: 'audit', actor: 'alice', auditIds: ['a'] },
      source: 'urn:waypointer:cluster:local',
      time: '2026-12-03T00:00:00.000Z',
    });
    expect(publishedLine(message?.body as string)).toBe(
      'published local/default #2 (audit by alice): Service details none -> waypoint, Service productpage none -> waypoint, Service ratings none -> waypoint (+1 more)',
    );
  });

  it('tells only after the queue took the requests', async () => {
    const lines: string[] = [];
    const { queue } = logged(
      {
        queue: {
          enqueue: async () => {
            throw new Error('SQS refused');
          },
        },
        publisher: { publish: async () => {} },
      },
      (line) => lines.push(line),
    );
    await expect(
      queue.enqueue([{ cluster: 'c', namespace: 'n', trigger: 'api', actor: null, auditIds: [] }]),
    ).rejects.toThrow('SQS refused');
    expect(lines).toEqual([]);
  });
});
