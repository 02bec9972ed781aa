/** Composition root of reconcile. */
import { pipelineRoot } from '../pipeline-root.ts';
import { createReconcile } from './app.ts';

export const handler = createReconcile(pipelineRoot(process.env));
