/**
 * Configuration from the environment, validated at start-up with zod. One table in the README.
 */
import { z } from 'zod';
import { DENY_ALL, type Policy, parsePolicy } from './app/authorization.ts';
import { ValidationError } from './domain/errors.ts';
import { ISTIO_VERSIONS } from './domain/istio-version.ts';
import { clusterName } from './schemas/api.ts';

/**
 * waypointer's own usernames in a cluster (what audit events name as `user.username` for its
 * writes): only their User-Agent is believed to name the caller a change was made for.
 */
const identities = z.array(z.string().min(1)).optional();
/** The Istio version the cluster runs (`1.30` or `1.31`; default `1.31`): whose binding rules apply. */
const istioVersion = z.enum(ISTIO_VERSIONS).optional();

const clusterConnection = z.union([
  z.strictObject({
    eks: z.strictObject({ name: z.string().min(1), region: z.string().min(1) }),
    identities,
    istioVersion,
  }),
  z.strictObject({
    kubeconfig: z.string().min(1).optional(),
    context: z.string().min(1).optional(),
    identities,
    istioVersion,
  }),
]);
// The version is checked first, so that a wrong one is named (a union only says "Invalid input").
const clusterConfig = z.looseObject({ istioVersion }).pipe(clusterConnection);

/** `WAYPOINTER_CLUSTERS`: the clusters by the name used in API paths (the API's cluster name rule). */
export const clustersSchema = z.record(clusterName, clusterConfig);
/** How to reach one cluster: EKS by name and region, or a kubeconfig (and context). */
export type ClusterConfig = z.infer<typeof clusterConfig>;

/** What Powertools logs and records metrics as. */
export interface PowertoolsConfig {
  /** `POWERTOOLS_SERVICE_NAME`, `waypointer` when unset. */
  readonly serviceName: string;
  /** `POWERTOOLS_METRICS_NAMESPACE`, `waypointer` when unset. */
  readonly metricsNamespace: string;
}

/** The validated configuration every function reads (see {@link loadConfig}). */
export interface Config {
  readonly clusters: Readonly<Record<string, ClusterConfig>>;
  readonly policy: Policy;
  readonly policyConfigured: boolean;
  /** `WAYPOINTER_RECONCILE_QUEUE_URL`, when set: where the HTTP API asks for reconciles. */
  readonly reconcileQueueUrl?: string;
  readonly powertools: PowertoolsConfig;
}

/** An unset or empty variable is absent. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const commonSchema = z.object({
  WAYPOINTER_RECONCILE_QUEUE_URL: optional(z.url()),
  POWERTOOLS_SERVICE_NAME: optional(z.string().trim().min(1)),
  POWERTOOLS_METRICS_NAMESPACE: optional(z.string().trim().min(1)),
});

/** The zod issues of an environment schema, as a ValidationError naming each variable. */
function invalid(issues: readonly z.core.$ZodIssue[]): ValidationError {
  const problems = issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  return new ValidationError(
    `invalid configuration: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    problems,
  );
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
 * region}}` or `{kubeconfig?, context?}`), `WAYPOINTER_POLICY` (JSON authorization policy; when
 * absent every mutation is refused), the optional `WAYPOINTER_RECONCILE_QUEUE_URL`, and
 * `POWERTOOLS_SERVICE_NAME` / `POWERTOOLS_METRICS_NAMESPACE` (both `waypointer` when unset).
 *
 * @example
 * const config = loadConfig(process.env); // at a composition root only
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
  const common = commonSchema.safeParse(env);
  if (!common.success) throw invalid(common.error.issues);
  const policyText = env.WAYPOINTER_POLICY;
  const queueUrl = common.data.WAYPOINTER_RECONCILE_QUEUE_URL;
  return {
    clusters: parsed.data,
    policy:
      policyText === undefined || policyText.trim() === '' ? DENY_ALL : parsePolicy(policyText),
    policyConfigured: policyText !== undefined && policyText.trim() !== '',
    ...(queueUrl === undefined ? {} : { reconcileQueueUrl: queueUrl }),
    powertools: {
      serviceName: common.data.POWERTOOLS_SERVICE_NAME ?? 'waypointer',
      metricsNamespace: common.data.POWERTOOLS_METRICS_NAMESPACE ?? 'waypointer',
    },
  };
}

/** Where the event pipeline keeps state and sends messages. */
export interface PipelineConfig {
  readonly bindingsTable: string;
  readonly reconcileQueueUrl: string;
  readonly changesQueueUrl: string;
  /**
   * `WAYPOINTER_CHANGES_TOPIC_ARN`, when set: the SNS FIFO topic reconcile and the sweep publish
   * binding changes to instead of `binding-changes.fifo` (the deployment sets it when the
   * configuration document names consumers).
   */
  readonly changesTopicArn?: string;
}

/** An SNS FIFO topic ARN: `arn:<partition>:sns:<region>:<account>:<name>.fifo`. */
const fifoTopicArn = z
  .string()
  .regex(
    /^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,251}\.fifo$/,
    'an SNS FIFO topic ARN, arn:aws:sns:<region>:<account>:<name>.fifo',
  );

const pipelineSchema = z.object({
  WAYPOINTER_BINDINGS_TABLE: z.string().min(1),
  WAYPOINTER_RECONCILE_QUEUE_URL: z.url(),
  WAYPOINTER_CHANGES_QUEUE_URL: z.url(),
  WAYPOINTER_CHANGES_TOPIC_ARN: optional(fifoTopicArn),
});

/**
 * `WAYPOINTER_BINDINGS_TABLE`, `WAYPOINTER_RECONCILE_QUEUE_URL` and `WAYPOINTER_CHANGES_QUEUE_URL`,
 * required by the pipeline functions (audit-ingest, reconcile, scheduled-sweep), and the optional
 * `WAYPOINTER_CHANGES_TOPIC_ARN` (an SNS FIFO topic; unset or empty: none).
 *
 * @example
 * loadPipelineConfig({ ...env, WAYPOINTER_CHANGES_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:changes.fifo' }).changesTopicArn;
 * // => 'arn:aws:sns:eu-west-1:123456789012:changes.fifo'
 */
export function loadPipelineConfig(env: Record<string, string | undefined>): PipelineConfig {
  const parsed = pipelineSchema.safeParse(env);
  if (!parsed.success) throw invalid(parsed.error.issues);
  const topic = parsed.data.WAYPOINTER_CHANGES_TOPIC_ARN;
  return {
    bindingsTable: parsed.data.WAYPOINTER_BINDINGS_TABLE,
    reconcileQueueUrl: parsed.data.WAYPOINTER_RECONCILE_QUEUE_URL,
    changesQueueUrl: parsed.data.WAYPOINTER_CHANGES_QUEUE_URL,
    ...(topic === undefined ? {} : { changesTopicArn: topic }),
  };
}

/** Where eventbridge-command records what it ran and sends its result events. */
export interface CommandEventsConfig {
  /**
   * `WAYPOINTER_IDEMPOTENCY_TABLE`: the Powertools idempotency table (partition key `id`, TTL
   * attribute `expiration`) where each command event's run and result event are recorded.
   */
  readonly idempotencyTable: string;
  /** `WAYPOINTER_RESULT_BUS`: the event bus (name or ARN) of result events, `default` when unset. */
  readonly resultBus: string;
}

const commandEventsSchema = z.object({
  WAYPOINTER_IDEMPOTENCY_TABLE: z.string().trim().min(1),
  WAYPOINTER_RESULT_BUS: optional(z.string().trim().min(1).max(1600)),
});

/**
 * `WAYPOINTER_IDEMPOTENCY_TABLE` (required) and `WAYPOINTER_RESULT_BUS` (`default` when unset or
 * empty), read by eventbridge-command.
 *
 * @example
 * loadCommandEventsConfig({ WAYPOINTER_IDEMPOTENCY_TABLE: 'idempotency' });
 * // => { idempotencyTable: 'idempotency', resultBus: 'default' }
 */
export function loadCommandEventsConfig(
  env: Record<string, string | undefined>,
): CommandEventsConfig {
  const parsed = commandEventsSchema.safeParse(env);
  if (!parsed.success) throw invalid(parsed.error.issues);
  return {
    idempotencyTable: parsed.data.WAYPOINTER_IDEMPOTENCY_TABLE,
    resultBus: parsed.data.WAYPOINTER_RESULT_BUS ?? 'default',
  };
}

const slackChannel = z.strictObject({
  /** The cluster a command in this channel acts on when it names none (`--cluster`). */
  cluster: clusterName,
  /** The namespace a command in this channel acts on when it names none (`-n`). */
  namespace: z.string().min(1).max(63).optional(),
});

/** `WAYPOINTER_SLACK`: where commands act by default, per Slack channel id and overall. */
export const slackSettingsSchema = z.strictObject({
  /** The cluster of a command that names none, in a channel without a default of its own. */
  defaultCluster: clusterName.optional(),
  /** Per channel id (`C0123ABCD`): its default cluster, and optionally namespace. */
  channels: z.record(z.string().min(1), slackChannel).default({}),
});
/** The validated `WAYPOINTER_SLACK` document. */
export type SlackSettings = z.infer<typeof slackSettingsSchema>;

/** Where the Slack signing secret comes from: the value itself, or an SSM parameter holding it. */
export type SigningSecretSource = { readonly value: string } | { readonly parameter: string };

/** What the ChatOps ingress (`functions/chatops`) reads. */
export interface ChatOpsConfig {
  /**
   * `SLACK_SIGNING_SECRET` (locally) or `SLACK_SIGNING_SECRET_PARAMETER` (deployed: the name of an
   * SSM SecureString, read and decrypted at cold start): exactly one of them.
   */
  readonly signingSecret: SigningSecretSource;
  /** `WAYPOINTER_SLACK`: defaults per channel; no defaults when unset. */
  readonly slack: SlackSettings;
  /** `WAYPOINTER_CHATOPS_QUEUE_URL`: the queue of commands for the ChatOps worker. */
  readonly queueUrl: string;
}

const chatOpsSchema = z.object({
  SLACK_SIGNING_SECRET: optional(z.string().trim().min(1)),
  SLACK_SIGNING_SECRET_PARAMETER: optional(
    z
      .string()
      .regex(/^\/[\w./-]+$/, 'an SSM parameter name, e.g. /waypointer/prod/slack-signing-secret'),
  ),
  WAYPOINTER_CHATOPS_QUEUE_URL: z.url(),
  WAYPOINTER_SLACK: optional(z.string()),
});

/** Exactly one of the two places of the signing secret; the problem otherwise. */
function secretProblem(env: Record<string, string | undefined>): z.core.$ZodIssue[] {
  const given = (name: string): boolean => (env[name] ?? '').trim() !== '';
  if (given('SLACK_SIGNING_SECRET') !== given('SLACK_SIGNING_SECRET_PARAMETER')) return [];
  return [
    {
      code: 'custom',
      path: ['SLACK_SIGNING_SECRET'],
      message:
        'the Slack signing secret is required: set SLACK_SIGNING_SECRET, or SLACK_SIGNING_SECRET_PARAMETER to the SSM parameter that holds it (one of them)',
      input: undefined,
    },
  ];
}

/**
 * `SLACK_SIGNING_SECRET` and `WAYPOINTER_CHATOPS_QUEUE_URL` (required), `WAYPOINTER_SLACK` (JSON,
 * optional: `{"defaultCluster"?, "channels": {"<channel id>": {"cluster", "namespace"?}}}`), read
 * by the ChatOps ingress.
 *
 * @example
 * loadChatOpsConfig({ SLACK_SIGNING_SECRET: 's', WAYPOINTER_CHATOPS_QUEUE_URL: 'https://sqs...' });
 * // => { signingSecret: { value: 's' }, slack: { channels: {} }, queueUrl: 'https://sqs...' }
 */
export function loadChatOpsConfig(env: Record<string, string | undefined>): ChatOpsConfig {
  const parsed = chatOpsSchema.safeParse(env);
  const problems = [...secretProblem(env), ...(parsed.success ? [] : parsed.error.issues)];
  if (!parsed.success || problems.length > 0) throw invalid(problems);
  const text = parsed.data.WAYPOINTER_SLACK;
  const slack = slackSettingsSchema.safeParse(
    text === undefined ? {} : json('WAYPOINTER_SLACK', text),
  );
  if (!slack.success)
    throw invalid(slack.error.issues.map((i) => ({ ...i, path: ['WAYPOINTER_SLACK', ...i.path] })));
  return {
    signingSecret:
      parsed.data.SLACK_SIGNING_SECRET_PARAMETER === undefined
        ? { value: parsed.data.SLACK_SIGNING_SECRET as string }
        : { parameter: parsed.data.SLACK_SIGNING_SECRET_PARAMETER },
    slack: slack.data,
    queueUrl: parsed.data.WAYPOINTER_CHATOPS_QUEUE_URL,
  };
}

/**
 * The deployment's configuration document (`serverless.yml` `--param=config=<file>`): the clusters
 * (`WAYPOINTER_CLUSTERS`), the authorization policy (`WAYPOINTER_POLICY`), the ChatOps settings
 * (`WAYPOINTER_SLACK`) and the optional consumers of binding changes as one JSON object. Each part
 * is checked by the loader the functions use.
 */
const deploymentDocumentSchema = z.strictObject({
  clusters: z.record(z.string(), z.unknown()),
  policy: z.unknown().optional(),
  slack: z.unknown().optional(),
  consumers: z.unknown().optional(),
});

/**
 * A consumer of binding changes (the document's `consumers`): it names the consumer's queue,
 * `<service>-<stage>-binding-changes-<consumer>.fifo`, and its dead-letter queue.
 */
const consumerName = z
  .string()
  .regex(
    /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/,
    'lowercase letters, digits and inner hyphens, 1 to 32 characters',
  );

/**
 * The document's `consumers`: each gets its own queue and DLQ subscribed to an SNS FIFO topic,
 * beside `binding-changes.fifo`; at most 99, so that the topic has at most 100 subscriptions.
 */
export const consumersSchema = z
  .array(consumerName)
  .min(1, 'name at least one consumer, or leave consumers out')
  .max(99, 'at most 99 consumers: with binding-changes.fifo, 100 subscriptions on the topic')
  .superRefine((names, context) => {
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i)
        context.addIssue({ code: 'custom', path: [i], message: `${name} is named twice` });
    });
  });

/** The values a deployment gives every function, each one line of JSON (or empty). */
export type DeploymentEnvironment = Readonly<
  Record<'WAYPOINTER_CLUSTERS' | 'WAYPOINTER_POLICY' | 'WAYPOINTER_SLACK', string>
>;

/** An EKS cluster of the configuration: its name in API paths, its EKS name and region. */
export interface EksClusterRef {
  readonly cluster: string;
  readonly name: string;
  readonly region: string;
}

/** A checked deployment configuration document. */
export interface DeploymentConfig {
  readonly environment: DeploymentEnvironment;
  readonly eksClusters: readonly EksClusterRef[];
  /** The consumers of binding changes, each with its own queue on the topic; none: no topic. */
  readonly consumers: readonly string[];
}

/** `error` (thrown by a loader) as a ValidationError that names `source`, each path under `part`. */
function inDocument(source: string, part: string, error: unknown): ValidationError {
  if (!(error instanceof ValidationError)) throw error;
  const rename = (path: string): string => path.replace(/^WAYPOINTER_[A-Z]+/, part);
  const problems = error.problems.map((p) => ({ ...p, path: rename(p.path) }));
  const detail =
    part === 'policy' ? `policy: ${error.message}` : error.message.replace(/^[^:]*: /, '');
  return new ValidationError(`${source}: ${rename(detail)}`, problems);
}

/** Runs `load`, naming `source` and `part` in what it throws. */
function within<T>(source: string, part: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    throw inDocument(source, part, error);
  }
}

/**
 * Checks a deployment configuration document (the text of the file or SSM parameter named by
 * `source`) with the same loaders the functions run at cold start, and returns the single-line
 * environment values to deploy, and the EKS clusters it names. Throws a ValidationError whose
 * message starts with `source` and names the field.
 *
 * @example
 * parseDeploymentConfig('{"clusters": {"prod": {"eks": {"name": "prod", "region": "eu-west-1"}}}}', 'prod.json');
 * // => { environment: { WAYPOINTER_CLUSTERS: '{"prod":{...}}', WAYPOINTER_POLICY: '', WAYPOINTER_SLACK: '' },
 * //      eksClusters: [{ cluster: 'prod', name: 'prod', region: 'eu-west-1' }] }
 */
export function parseDeploymentConfig(text: string, source: string): DeploymentConfig {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`${source}: not valid JSON: ${(error as Error).message}`, [
      { path: '', message: 'not valid JSON' },
    ]);
  }
  const parsed = deploymentDocumentSchema.safeParse(document);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((i) =>
      i.code === 'unrecognized_keys'
        ? i.keys.map((key) => ({ path: key, message: 'unknown field' }))
        : [{ path: i.path.map(String).join('.'), message: i.message }],
    );
    throw new ValidationError(
      `${source}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      problems,
    );
  }
  const { clusters, policy, slack, consumers } = parsed.data;
  const environment: DeploymentEnvironment = {
    WAYPOINTER_CLUSTERS: JSON.stringify(clusters),
    WAYPOINTER_POLICY: policy === undefined ? '' : JSON.stringify(policy),
    WAYPOINTER_SLACK: slack === undefined ? '' : JSON.stringify(slack),
  };
  const config = within(source, 'clusters', () =>
    loadConfig({ WAYPOINTER_CLUSTERS: environment.WAYPOINTER_CLUSTERS }),
  );
  within(source, 'policy', () =>
    policy === undefined ? undefined : parsePolicy(environment.WAYPOINTER_POLICY),
  );
  const settings = slackSettingsSchema.safeParse(slack ?? {});
  if (!settings.success)
    throw inDocument(
      source,
      'slack',
      invalid(settings.error.issues.map((i) => ({ ...i, path: ['WAYPOINTER_SLACK', ...i.path] }))),
    );
  const eksClusters = Object.entries(config.clusters).flatMap(([cluster, c]) =>
    'eks' in c ? [{ cluster, name: c.eks.name, region: c.eks.region }] : [],
  );
  return { environment, eksClusters, consumers: checkedConsumers(source, consumers) };
}

/** The document's `consumers`, checked; a ValidationError naming `source` and the entry. */
function checkedConsumers(source: string, consumers: unknown): readonly string[] {
  if (consumers === undefined) return [];
  const parsed = consumersSchema.safeParse(consumers);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => ({
    path: ['consumers', ...i.path.map(String)].join('.'),
    message: i.message,
  }));
  throw new ValidationError(
    `${source}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    problems,
  );
}
