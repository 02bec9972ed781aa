/**
 * Composition root of the chatops ingress: the validated configuration (clusters' names, policy,
 * Slack settings and signing secret), the ChatOps queue and Powertools. Loads neither the
 * Kubernetes client nor the EKS client (test/structure/import-graph.test.ts), so that a cold start
 * answers within Slack's three seconds.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsJobQueue } from '../../shared/adapters/slack/job-queue.ts';
import { fetchResponder } from '../../shared/adapters/slack/responder.ts';
import { signingSecretOf } from '../../shared/adapters/slack/signing-secret.ts';
import { describePolicy } from '../../shared/app/authorization.ts';
import { loadChatOpsConfig, loadConfig } from '../../shared/config.ts';
import { powertools } from '../powertools.ts';
import { createChatOpsIngress } from './app.ts';
import type { ChatOpsJob } from './slack-payloads.ts';

const config = loadConfig(process.env);
const settings = loadChatOpsConfig(process.env);
const { logger, metrics } = powertools(config.powertools);
logger.info(describePolicy(config.policy), { clusters: Object.keys(config.clusters) });

/** The Lambda handler (serverless.yml `chatops`). */
export const handler = createChatOpsIngress({
  // Read (and decrypted, when it is an SSM SecureString) once per cold start.
  signingSecret: await signingSecretOf(settings.signingSecret),
  slack: settings.slack,
  clusters: Object.keys(config.clusters),
  policy: config.policy,
  queue: new SqsJobQueue<ChatOpsJob>(new SQSClient({}), settings.queueUrl),
  responder: fetchResponder(),
  logger,
  metrics,
});
