/**
 * The SQS queues of `serverless.yml`, for the embedded SQS endpoint: the local queues take the
 * attributes the deployed ones have (visibility timeout, retention, how many receives before the
 * dead-letter queue), so that a failure behaves locally as it does in AWS.
 */
import { readFile } from 'node:fs/promises';
import { SERVERLESS_YML, serverlessDocument } from './event-rules.ts';

/** What a queue resource of `serverless.yml` sets that the embedded SQS endpoint reproduces. */
export interface DeclaredQueue {
  /** SQS attributes, as CreateQueue takes them (`VisibilityTimeout`, `MessageRetentionPeriod`). */
  readonly attributes: Readonly<Record<string, string>>;
  /** `RedrivePolicy.maxReceiveCount`, when the queue has a dead-letter queue. */
  readonly maxReceiveCount?: number;
}

const REPRODUCED = ['VisibilityTimeout', 'MessageRetentionPeriod', 'DelaySeconds'] as const;

/**
 * The queue `resource` (a key under `resources.Resources`) as `serverless.yml` declares it; throws
 * when it is not an `AWS::SQS::Queue` there.
 *
 * @example
 * declaredQueue(text, 'ReconcileRequestsQueue');
 * // { attributes: { VisibilityTimeout: '720' }, maxReceiveCount: 5 }
 */
export function declaredQueue(text: string, resource: string): DeclaredQueue {
  const document = serverlessDocument(text);
  const resources = (document.resources as { Resources?: Record<string, unknown> } | undefined)
    ?.Resources;
  const queue = resources?.[resource] as
    | { Type?: string; Properties?: Record<string, unknown> }
    | undefined;
  if (queue?.Type !== 'AWS::SQS::Queue')
    throw new Error(`serverless.yml declares no AWS::SQS::Queue ${resource}`);
  const properties = queue.Properties ?? {};
  const attributes = Object.fromEntries(
    REPRODUCED.filter((name) => properties[name] !== undefined).map((name) => [
      name,
      String(properties[name]),
    ]),
  );
  const redrive = properties.RedrivePolicy as { maxReceiveCount?: unknown } | undefined;
  return {
    attributes,
    ...(typeof redrive?.maxReceiveCount === 'number'
      ? { maxReceiveCount: redrive.maxReceiveCount }
      : {}),
  };
}

/** The queues of the repository's `serverless.yml` (or another file) by resource name. */
export async function readDeclaredQueues(
  resources: readonly string[],
  path: string = SERVERLESS_YML,
): Promise<Record<string, DeclaredQueue>> {
  const text = await readFile(path, 'utf8');
  return Object.fromEntries(resources.map((name) => [name, declaredQueue(text, name)]));
}
