/**
 * Configuration from the environment, validated at start-up with zod. One table in the README.
 */
import { z } from 'zod';
import { DENY_ALL, type Policy, parsePolicy } from './app/authorization.ts';
import { ValidationError } from './domain/errors.ts';

const clusterConfig = z.union([
  z.strictObject({
    eks: z.strictObject({ name: z.string().min(1), region: z.string().min(1) }),
  }),
  z.strictObject({
    kubeconfig: z.string().min(1).optional(),
    context: z.string().min(1).optional(),
  }),
]);

/** `WAYPOINTER_CLUSTERS`: the clusters by the name used in API paths. */
export const clustersSchema = z.record(
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/),
  clusterConfig,
);
export type ClusterConfig = z.infer<typeof clusterConfig>;

export interface Config {
  readonly clusters: Readonly<Record<string, ClusterConfig>>;
  readonly policy: Policy;
  readonly policyConfigured: boolean;
}

function json(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`${name} is not valid JSON: ${(error as Error).message}`, [
      { path: name, message: 'not valid JSON' },
    ]);
  }
}

/**
 * Reads and checks the configuration: `WAYPOINTER_CLUSTERS` (JSON object: name -> `{eks: {name,
 * region}}` or `{kubeconfig?, context?}`) and `WAYPOINTER_POLICY` (JSON authorization policy; when
 * absent every mutation is refused).
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const clustersText = env.WAYPOINTER_CLUSTERS ?? '{}';
  const parsed = clustersSchema.safeParse(json('WAYPOINTER_CLUSTERS', clustersText));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({
      path: ['WAYPOINTER_CLUSTERS', ...i.path.map(String)].join('.'),
      message: i.message,
    }));
    throw new ValidationError(
      `invalid WAYPOINTER_CLUSTERS: ${problems[0]?.path}: ${problems[0]?.message}`,
      problems,
    );
  }
  const policyText = env.WAYPOINTER_POLICY;
  return {
    clusters: parsed.data,
    policy:
      policyText === undefined || policyText.trim() === '' ? DENY_ALL : parsePolicy(policyText),
    policyConfigured: policyText !== undefined && policyText.trim() !== '',
  };
}

/** Where the event pipeline keeps state and sends messages. */
export interface PipelineConfig {
  readonly bindingsTable: string;
  readonly reconcileQueueUrl: string;
  readonly changesQueueUrl: string;
}

const pipelineSchema = z.object({
  WAYPOINTER_BINDINGS_TABLE: z.string().min(1),
  WAYPOINTER_RECONCILE_QUEUE_URL: z.url(),
  WAYPOINTER_CHANGES_QUEUE_URL: z.url(),
});

/**
 * `WAYPOINTER_BINDINGS_TABLE`, `WAYPOINTER_RECONCILE_QUEUE_URL` and `WAYPOINTER_CHANGES_QUEUE_URL`,
 * required by the pipeline functions (audit-ingest, reconcile, scheduled-sweep).
 */
export function loadPipelineConfig(env: Record<string, string | undefined>): PipelineConfig {
  const parsed = pipelineSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({
      path: i.path.map(String).join('.'),
      message: i.message,
    }));
    throw new ValidationError(
      `invalid configuration: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      problems,
    );
  }
  return {
    bindingsTable: parsed.data.WAYPOINTER_BINDINGS_TABLE,
    reconcileQueueUrl: parsed.data.WAYPOINTER_RECONCILE_QUEUE_URL,
    changesQueueUrl: parsed.data.WAYPOINTER_CHANGES_QUEUE_URL,
  };
}
