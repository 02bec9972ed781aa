/** Composition root of scheduled-sweep. */
import { pipelineRoot } from '../pipeline-root.ts';
import { createSweep } from './app.ts';

/** The Lambda handler (serverless.yml `scheduledSweep`). */
export const handler = createSweep(pipelineRoot(process.env));
