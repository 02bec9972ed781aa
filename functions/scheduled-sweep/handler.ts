/** Composition root of scheduled-sweep. */
import { SNSClient } from '@aws-sdk/client-sns';
import { SnsChangePublisher } from '../../shared/adapters/aws/sns.ts';
import { loadPipelineConfig } from '../../shared/config.ts';
import { pipelineRoot } from '../pipeline-root.ts';
import { createSweep } from './app.ts';

const root = pipelineRoot(process.env);
/** With consumers configured, binding changes go to their SNS FIFO topic (ADR 0015). */
const { changesTopicArn } = loadPipelineConfig(process.env);

/** The Lambda handler (serverless.yml `scheduledSweep`). */
export const handler = createSweep(
  changesTopicArn === undefined
    ? root
    : {
        ...root,
        publisher: new SnsChangePublisher(new SNSClient({}), changesTopicArn, {
          clock: root.clock,
        }),
      },
);
