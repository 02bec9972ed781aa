/** Composition root of audit-ingest. */
import { pipelineRoot } from '../pipeline-root.ts';
import { createAuditIngest } from './app.ts';

export const handler = createAuditIngest(pipelineRoot(process.env));
