/** Composition root of audit-webhook. */
import { pipelineRoot } from '../pipeline-root.ts';
import { createAuditWebhook } from './app.ts';

/** The Lambda handler (serverless.yml `auditWebhook`). */
export const handler = createAuditWebhook(pipelineRoot(process.env));
