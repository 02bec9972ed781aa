/**
 * The local queues take the attributes serverless.yml gives the deployed ones, so a failing
 * reconcile is redelivered locally after the same visibility timeout as in AWS.
 */
import { readFile } from 'node:fs/promises';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { StaticClusterRegistry } from '../../../../shared/adapters/kubernetes/registry.ts';
import { declaredQueue } from '../src/declared-queues.ts';
import { SERVERLESS_YML } from '../src/event-rules.ts';
import { startPipeline } from '../src/pipeline.ts';

describe('declaredQueue', () => {
  it('reads the attributes and the redrive of the queues of serverless.yml', async () => {
    const text = await readFile(SERVERLESS_YML, 'utf8');
    expect(declaredQueue(text, 'ReconcileRequestsQueue')).toEqual({
      attributes: { VisibilityTimeout: '720' },
      maxReceiveCount: 5,
    });
    expect(declaredQueue(text, 'BindingChangesQueue')).toEqual({
      attributes: { MessageRetentionPeriod: '1209600' },
      maxReceiveCount: 10,
    });
  });

  it('refuses a resource that is no queue', async () => {
    const text = await readFile(SERVERLESS_YML, 'utf8');
    expect(() => declaredQueue(text, 'BindingsTable')).toThrow(
      'serverless.yml declares no AWS::SQS::Queue BindingsTable',
    );
  });
});

describe('the local pipeline', () => {
  it('creates its queues with the deployed attributes', async () => {
    const pipeline = await startPipeline({
      clusters: new StaticClusterRegistry({}),
      sweepIntervalMs: 3_600_000,
      logLevel: 'CRITICAL',
    });
    const sqs = new SQSClient({
      endpoint: pipeline.sqs,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const attributes = async (queueUrl: string): Promise<Record<string, string>> =>
        (
          await sqs.send(
            new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
          )
        ).Attributes ?? {};
      const reconcile = await attributes(pipeline.queues.reconcileRequests);
      expect(reconcile.VisibilityTimeout).toBe('720');
      expect(JSON.parse(reconcile.RedrivePolicy ?? '{}').maxReceiveCount).toBe(5);
      const changes = await attributes(pipeline.queues.bindingChanges);
      expect(changes.MessageRetentionPeriod).toBe('1209600');
      expect(JSON.parse(changes.RedrivePolicy ?? '{}').maxReceiveCount).toBe(10);
    } finally {
      sqs.destroy();
      await pipeline.stop();
    }
  });
});
