/**
 * chatops: the Slack ingress (API Gateway HTTP API, payload 2.0). `POST /slack/commands` takes the
 * `/waypoint` slash command, `POST /slack/interactions` the Confirm and Cancel buttons. Each request
 * is verified (signing secret, five-minute window) before anything else; the text is parsed with
 * the shared grammar; the caller `slack:<team>/<channel>/<user>` is checked against the policy.
 *
 * Within Slack's three seconds: help, generate (no cluster needed), usage errors and refusals are
 * answered at once, ephemeral; every command that reads or changes a cluster is handed to the
 * worker (the ChatOps queue) and acknowledged. This function loads neither the Kubernetes client
 * nor the EKS client, so it answers in time from a cold start.
 *
 * Never silent: a refused signature, a malformed form or payload, a refused caller and a job the
 * queue did not take are each logged with their cause and counted.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddyfiedHandler } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { z } from 'zod';
import type { SlackResponder } from '../../shared/adapters/slack/responder.ts';
import { rawBody, verifySlackRequest } from '../../shared/adapters/slack/verify.ts';
import { type Policy, refusal } from '../../shared/app/authorization.ts';
import { type CommandUseCases, runCommandWith } from '../../shared/app/run-command.ts';
import { type Command, DEFAULT_NAMESPACE, parseCommand } from '../../shared/commands/grammar.ts';
import {
  CANCEL_ACTION,
  CONFIRM_ACTION,
  type SlackMessage,
  slackError,
  slackHelp,
  slackOutcome,
  slackWorking,
} from '../../shared/commands/slack.ts';
import type { SlackSettings } from '../../shared/config.ts';
import { WaypointerError } from '../../shared/domain/errors.ts';
import type { Caller } from '../../shared/ports.ts';
import { instrumented } from '../powertools.ts';
import {
  accessOf,
  type ChatOpsQueue,
  type Interaction,
  interactionSchema,
  PENDING_SECONDS,
  type Pending,
  pendingSchema,
  slackCaller,
  slashCommandSchema,
} from './slack-payloads.ts';

/** What the ingress is built with. */
export interface ChatOpsIngressDeps {
  /** The Slack app's signing secret. */
  readonly signingSecret: string;
  /** Default cluster and namespace per channel. */
  readonly slack: SlackSettings;
  /** The configured clusters' names. */
  readonly clusters: readonly string[];
  /** The policy a Slack caller is checked against at the door. */
  readonly policy: Policy;
  /** Where commands for the worker go. */
  readonly queue: ChatOpsQueue;
  /** Answers a button click that is refused (its HTTP response is not shown). */
  readonly responder: SlackResponder;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** The time, in milliseconds (tests set it). */
  readonly now?: () => number;
}

type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyStructuredResultV2;

const json = (message: SlackMessage): Result => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(message),
});

const plain = (statusCode: number, body: string): Result => ({
  statusCode,
  headers: { 'content-type': 'text/plain; charset=utf-8' },
  body,
});

/** A job id from Slack's id of the request: hex, so a FIFO deduplication id as it is. */
const jobId = (seed: string): string =>
  createHash('sha256').update(seed).digest('hex').slice(0, 40);

/** The first zod issue, in words. */
function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue === undefined ? 'invalid' : `${issue.path.join('.') || 'body'}: ${issue.message}`;
}

/** Where a command runs: `--cluster`, else the channel's default, else the deployment's. */
function clusterFor(
  deps: ChatOpsIngressDeps,
  command: Command,
  channel: string,
): { cluster: string; namespace?: string } | string {
  const configured = deps.slack.channels[channel];
  const cluster =
    command.cluster ??
    configured?.cluster ??
    deps.slack.defaultCluster ??
    (deps.clusters.length === 1 ? deps.clusters[0] : undefined);
  const known = deps.clusters.join(', ') || 'none';
  if (cluster === undefined)
    return `name the cluster with --cluster: this deployment manages ${known}`;
  if (!deps.clusters.includes(cluster))
    return `cluster ${cluster} is not configured: use --cluster with one of ${known}`;
  const namespace = command.cluster === undefined ? configured?.namespace : undefined;
  return namespace === undefined ? { cluster } : { cluster, namespace };
}

/** The refusal of a caller at the door, in words that say whom to ask, or undefined. */
function refused(
  deps: ChatOpsIngressDeps,
  caller: Caller,
  command: Command,
  cluster: string,
  namespace: string,
): string | undefined {
  const access = accessOf(command, cluster, namespace);
  if (access === undefined) return undefined;
  const reason = refusal(deps.policy, caller, access.action, access.scope);
  return reason === undefined
    ? undefined
    : `${reason}. Ask an administrator for a rule naming \`${caller.id}\` (or a pattern of it) in WAYPOINTER_POLICY.`;
}

const NO_CLUSTER = {} as CommandUseCases;

/** `POST /slack/commands`, verified. */
async function slashCommand(deps: ChatOpsIngressDeps, form: URLSearchParams): Promise<Result> {
  const parsed = slashCommandSchema.safeParse(Object.fromEntries(form));
  if (!parsed.success) {
    deps.logger.warn('rejected a slash command form', { problem: firstIssue(parsed.error) });
    deps.metrics.addMetric('RejectedSlackRequests', MetricUnit.Count, 1);
    return plain(400, `not a slash command: ${firstIssue(parsed.error)}`);
  }
  const slash = parsed.data;
  const text = slash.text.trim();
  const caller = slackCaller(slash.team_id, slash.channel_id, slash.user_id);
  deps.logger.appendKeys({ caller: caller.id });
  deps.metrics.addMetric('SlackCommands', MetricUnit.Count, 1);
  let command: Command;
  try {
    command = parseCommand(text);
  } catch (error) {
    if (!(error instanceof WaypointerError)) throw error;
    deps.metrics.addMetric('SlackUsageErrors', MetricUnit.Count, 1);
    deps.logger.info('a slash command did not follow the grammar', { text, error: error.message });
    return json(slackError(error.message));
  }
  if (command.verb === 'help') return json(slackHelp());
  const where = clusterFor(deps, command, slash.channel_id);
  if (typeof where === 'string') {
    deps.metrics.addMetric('SlackUsageErrors', MetricUnit.Count, 1);
    return json(slackError(where));
  }
  const info = { user: slash.user_id, text, cluster: where.cluster };
  if (command.verb === 'generate') {
    const outcome = await runCommandWith(NO_CLUSTER, { cluster: where.cluster, command, caller });
    return json(slackOutcome(outcome, info));
  }
  const namespace = where.namespace ?? DEFAULT_NAMESPACE;
  const refusedWhy = refused(deps, caller, command, where.cluster, namespace);
  if (refusedWhy !== undefined) {
    deps.logger.warn('refused a slash command', { text, reason: refusedWhy });
    deps.metrics.addMetric('RefusedSlackCommands', MetricUnit.Count, 1);
    return json(
      slackError(
        refusedWhy,
        'Read-only commands (list, status, bindings, explain) may still be allowed.',
      ),
    );
  }
  const job = {
    kind: 'command' as const,
    id: jobId(`command:${slash.team_id}:${slash.trigger_id}`),
    team: slash.team_id,
    channel: slash.channel_id,
    user: slash.user_id,
    responseUrl: slash.response_url,
    cluster: where.cluster,
    ...(where.namespace === undefined ? {} : { namespace: where.namespace }),
    text,
  };
  if (!(await enqueued(deps, job)))
    return json(
      slackError(
        'waypointer could not queue the command: try again in a moment.',
        'Nothing was changed.',
      ),
    );
  return json(slackWorking(info));
}

/** Hands a job to the worker; false (logged and counted) when the queue did not take it. */
async function enqueued(
  deps: ChatOpsIngressDeps,
  job: Parameters<ChatOpsQueue['send']>[0],
): Promise<boolean> {
  try {
    await deps.queue.send(job);
    deps.metrics.addMetric('ChatOpsJobsQueued', MetricUnit.Count, 1);
    return true;
  } catch (error) {
    deps.logger.error('the ChatOps queue did not take a job', {
      error: error as Error,
      job: job.id,
    });
    deps.metrics.addMetric('ChatOpsQueueFailures', MetricUnit.Count, 1);
    return false;
  }
}

/** The pending command a button carries, or why it cannot be decided. */
function pendingOf(deps: ChatOpsIngressDeps, value: string): Pending | string {
  let document: unknown;
  try {
    document = JSON.parse(value);
  } catch {
    return 'this button carries no command waypointer can read';
  }
  const pending = pendingSchema.safeParse(document);
  if (!pending.success) return 'this button carries no command waypointer can read';
  const now = Math.floor((deps.now ?? Date.now)() / 1000);
  if (now - pending.data.e > PENDING_SECONDS)
    return 'this plan is more than 30 minutes old: run the command again for a fresh plan';
  return pending.data;
}

/** Answers a refused click through its response_url (a click's HTTP response is not shown). */
async function refuseClick(deps: ChatOpsIngressDeps, url: string, reason: string): Promise<Result> {
  deps.metrics.addMetric('RefusedSlackDecisions', MetricUnit.Count, 1);
  deps.logger.warn('refused a confirmation', { reason });
  try {
    await deps.responder.post(url, { ...slackError(reason), replace_original: false });
  } catch (error) {
    deps.logger.error('could not tell Slack a confirmation was refused', { error: error as Error });
    deps.metrics.addMetric('SlackPostFailures', MetricUnit.Count, 1);
  }
  return plain(200, '');
}

/** The interaction in a form's `payload`, or undefined (logged and counted). */
function clickOf(deps: ChatOpsIngressDeps, form: URLSearchParams): Interaction | undefined {
  let document: unknown;
  try {
    document = JSON.parse(form.get('payload') ?? '');
  } catch {
    document = undefined;
  }
  const parsed = interactionSchema.safeParse(document);
  if (parsed.success) return parsed.data;
  deps.logger.warn('rejected an interaction payload', { problem: firstIssue(parsed.error) });
  deps.metrics.addMetric('RejectedSlackRequests', MetricUnit.Count, 1);
  return undefined;
}

/** `POST /slack/interactions`, verified: a Confirm or Cancel click. */
async function interaction(deps: ChatOpsIngressDeps, form: URLSearchParams): Promise<Result> {
  const click = clickOf(deps, form);
  if (click === undefined) return plain(400, 'not a waypointer interaction');
  const action = click.actions[0] as Interaction['actions'][number];
  const decision: 'confirm' | 'cancel' | undefined =
    action.action_id === CONFIRM_ACTION
      ? 'confirm'
      : action.action_id === CANCEL_ACTION
        ? 'cancel'
        : undefined;
  if (decision === undefined)
    return refuseClick(deps, click.response_url, `unknown action ${action.action_id}`);
  const pending = pendingOf(deps, action.value);
  if (typeof pending === 'string') return refuseClick(deps, click.response_url, pending);
  const caller = slackCaller(click.team.id, click.channel.id, click.user.id);
  deps.logger.appendKeys({ caller: caller.id });
  if (decision === 'confirm') {
    const command = parseCommand(pending.t);
    const why = refused(deps, caller, command, pending.c, pending.n ?? DEFAULT_NAMESPACE);
    if (why !== undefined) return refuseClick(deps, click.response_url, why);
  }
  const job = {
    kind: 'decision' as const,
    decision,
    id: pending.i,
    team: click.team.id,
    channel: click.channel.id,
    user: click.user.id,
    responseUrl: click.response_url,
    cluster: pending.c,
    ...(pending.n === undefined ? {} : { namespace: pending.n }),
    text: pending.t,
  };
  if (!(await enqueued(deps, job)))
    return refuseClick(
      deps,
      click.response_url,
      'waypointer could not queue the decision: click again in a moment',
    );
  deps.metrics.addMetric('SlackDecisions', MetricUnit.Count, 1);
  return plain(200, '');
}

/** Bolt's rule: Slack's `ssl_check=1` probe is answered 200, with nothing to verify. */
function isSslCheck(form: URLSearchParams): boolean {
  return form.get('ssl_check') === '1' && !form.has('command') && !form.has('payload');
}

/**
 * Builds the handler of `POST /slack/commands` and `POST /slack/interactions`.
 *
 * @example
 * export const handler = createChatOpsIngress({ signingSecret, slack, clusters, policy, queue, responder, logger, metrics });
 */
export function createChatOpsIngress(deps: ChatOpsIngressDeps): MiddyfiedHandler<Event, Result> {
  return instrumented<Event, Result>(deps).handler(async (event) => {
    const path = event.rawPath;
    const route = path.endsWith('/slack/commands')
      ? slashCommand
      : path.endsWith('/slack/interactions')
        ? interaction
        : undefined;
    if (route === undefined || event.requestContext.http.method !== 'POST')
      return plain(404, 'POST /slack/commands or /slack/interactions');
    const body = rawBody(event);
    const form = new URLSearchParams(body.toString('utf8'));
    if (isSslCheck(form)) return plain(200, '');
    const verdict = verifySlackRequest(
      deps.signingSecret,
      { headers: event.headers, body },
      (deps.now ?? Date.now)() / 1000,
    );
    if (!verdict.ok) {
      deps.logger.warn('refused a request not signed by Slack', { reason: verdict.reason, path });
      deps.metrics.addMetric('UnverifiedSlackRequests', MetricUnit.Count, 1);
      return plain(401, 'not a verified Slack request');
    }
    return route(deps, form);
  });
}
