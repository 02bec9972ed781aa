/** Composition root of reconcile. */
import { withChangePublisher } from '../change-publisher.ts';
import { pipelineRoot } from '../pipeline-root.ts';
import { createReconcile } from './app.ts';

/** The Lambda handler (serverless.yml `reconcile`). */
export const handler = createReconcile(withChangePublisher(pipelineRoot(process.env), process.env));
