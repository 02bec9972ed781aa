/** Composition root of audit-ingest. */
import { pipelineRoot } from '../pipeline-root.ts';
import { createAuditIngest } from './app.ts';

/** The Lambda handler (serverless.yml `auditIngest`). */
export const handler = createAuditIngest(pipelineRoot(process.env));
