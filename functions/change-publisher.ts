/**
 * Where reconcile and the scheduled sweep publish binding changes: the SNS FIFO topic when the
 * deployment names consumers (`WAYPOINTER_CHANGES_TOPIC_ARN`, ADR 0015), else `pipelineRoot`'s
 * `binding-changes.fifo`. Its own module, so that the audit functions' bundles carry no SNS client.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { SnsChangePublisher } from '../shared/adapters/aws/sns.ts';
import type { PipelineDeps } from '../shared/app/pipeline.ts';
import { loadPipelineConfig } from '../shared/config.ts';

/**
 * `root` with the configured change publisher.
 *
 * @example
 * export const handler = createReconcile(withChangePublisher(pipelineRoot(process.env), process.env));
 */
export function withChangePublisher<D extends PipelineDeps>(
  root: D,
  env: Record<string, string | undefined>,
): D {
  const { changesTopicArn } = loadPipelineConfig(env);
  if (changesTopicArn === undefined) return root;
  return {
    ...root,
    publisher: new SnsChangePublisher(new SNSClient({}), changesTopicArn, { clock: root.clock }),
  };
}
