/** Composition root of reconcile. */
import { pipelineRoot } from '../pipeline-root.ts';
import { createReconcile } from './app.ts';

/** The Lambda handler (serverless.yml `reconcile`). */
export const handler = createReconcile(pipelineRoot(process.env));
