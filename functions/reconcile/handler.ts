/** Composition root of reconcile. */
import { SNSClient } from '@aws-sdk/client-sns';
import { SnsChangePublisher } from '../../shared/adapters/aws/sns.ts';
import { loadPipelineConfig } from '../../shared/config.ts';
import { pipelineRoot } from '../pipeline-root.ts';
import { createReconcile } from './app.ts';

const root = pipelineRoot(process.env);
/** With consumers configured, binding changes go to their SNS FIFO topic (ADR 0015). */
const { changesTopicArn } = loadPipelineConfig(process.env);

/** The Lambda handler (serverless.yml `reconcile`). */
export const handler = createReconcile(
  changesTopicArn === undefined
    ? root
    : {
        ...root,
        publisher: new SnsChangePublisher(new SNSClient({}), changesTopicArn, {
          clock: root.clock,
        }),
      },
);
