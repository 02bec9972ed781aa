/** Composition root of scheduled-sweep. */
import { withChangePublisher } from '../change-publisher.ts';
import { pipelineRoot } from '../pipeline-root.ts';
import { createSweep } from './app.ts';

/** The Lambda handler (serverless.yml `scheduledSweep`). */
export const handler = createSweep(withChangePublisher(pipelineRoot(process.env), process.env));
