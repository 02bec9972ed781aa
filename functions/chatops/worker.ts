/**
 * chatops-worker: runs the jobs of the ChatOps queue (SQS FIFO, one group per channel) with the
 * shared command layer, as the Slack caller `slack:<team>/<channel>/<user>`, and answers through
 * the job's `response_url`.
 *
 * A destructive command (delete, unenroll, `--overwrite`) first runs as a dry run: its plan is
 * posted with Confirm and Cancel buttons. The first decision on a plan is recorded with Powertools
 * idempotency under the plan's id: a second click, another user's click, a replayed request or a
 * redelivered message finds the record and does nothing (logged and counted). Every job is recorded
 * the same way, so a redelivered message never runs a command twice; when posting the answer
 * failed, the redelivery posts the recorded answer again.
 *
 * Never silent: a malformed job, a command that could not run and a post Slack refused are logged
 * with their cause and counted; a refused post fails the record (SQS delivers it again).
 */
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddyfiedHandler } from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { SlackResponder } from '../../shared/adapters/slack/responder.ts';
import { parseCommand } from '../../shared/commands/grammar.ts';
import {
  type SlackMessage,
  slackConfirmation,
  slackDecided,
  slackError,
  slackOutcome,
} from '../../shared/commands/slack.ts';
import type { CommandRunner } from '../../shared/ports.ts';
import { instrumented } from '../powertools.ts';
import {
  type ChatOpsJob,
  isDestructive,
  jobSchema,
  type Pending,
  slackCaller,
} from './slack-payloads.ts';

/** What the worker is built with. */
export interface ChatOpsWorkerDeps {
  /** Runs commands of the shared grammar. */
  readonly runner: CommandRunner;
  /** Posts answers to a response_url. */
  readonly responder: SlackResponder;
  /** A new idempotency persistence layer on the idempotency table. */
  readonly persistence: () => BasePersistenceLayer;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** The time, in milliseconds (tests set it). */
  readonly now?: () => number;
}

/** How long a job and a decision stay recorded: a day, well beyond a plan's 30 minutes. */
export const JOB_RECORD_SECONDS = 86_400;

/** A job's answer, as recorded: the messages, and the SQS message that computed them. */
interface Answer {
  readonly messageId: string;
  readonly messages: readonly SlackMessage[];
  readonly replayed: boolean;
}

const markReplayed = <T>(response: T): T => ({ ...(response as object), replayed: true }) as T;

/** The record key of a job: the command's id, or its plan's decision (one per plan, whoever clicks). */
const keyOf = (job: ChatOpsJob): string =>
  job.kind === 'command' ? `command/${job.id}` : `decision/${job.id}`;

/** The answers of one job. */
async function answer(deps: ChatOpsWorkerDeps, job: ChatOpsJob): Promise<SlackMessage[]> {
  const caller = slackCaller(job.team, job.channel, job.user);
  const info = { user: job.user, text: job.text, cluster: job.cluster };
  const request = {
    cluster: job.cluster,
    command: job.text,
    caller,
    ...(job.namespace === undefined ? {} : { defaultNamespace: job.namespace }),
  };
  if (job.kind === 'decision') {
    if (job.decision === 'cancel') return [slackDecided('cancel', job.user, job.text)];
    const outcome = await deps.runner.run(request);
    if (outcome.exitCode !== 0) return [{ ...slackOutcome(outcome, info), replace_original: true }];
    return [slackDecided('confirm', job.user, job.text), slackOutcome(outcome, info)];
  }
  if (destructive(job.text)) {
    const plan = await deps.runner.run({ ...request, dryRun: true });
    if (plan.exitCode !== 0) return [slackOutcome(plan, info)];
    const pending: Pending = {
      i: job.id,
      c: job.cluster,
      ...(job.namespace === undefined ? {} : { n: job.namespace }),
      t: job.text,
      u: job.user,
      e: Math.floor((deps.now ?? Date.now)() / 1000),
    };
    deps.metrics.addMetric('SlackPlans', MetricUnit.Count, 1);
    return [slackConfirmation(plan, info, JSON.stringify(pending))];
  }
  return [slackOutcome(await deps.runner.run(request), info)];
}

/** Whether a command text needs a confirmation; text that does not parse is the runner's to report. */
function destructive(text: string): boolean {
  try {
    return isDestructive(parseCommand(text));
  } catch {
    return false;
  }
}

/**
 * Builds the handler: each record is one job, in order; a record whose answer Slack refused is
 * reported failed, and so is every later record of the batch (FIFO keeps a channel's order).
 *
 * @example
 * export const handler = createChatOpsWorker({ runner, responder, persistence, logger, metrics });
 */
export function createChatOpsWorker(
  deps: ChatOpsWorkerDeps,
): MiddyfiedHandler<SQSEvent, SQSBatchResponse> {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'key',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: JOB_RECORD_SECONDS,
    responseHook: markReplayed,
  });
  const once = makeIdempotent(
    async (input: { key: string; messageId: string; job: ChatOpsJob }): Promise<Answer> => ({
      messageId: input.messageId,
      messages: await answer(deps, input.job),
      replayed: false,
    }),
    { persistenceStore: deps.persistence(), config, keyPrefix: 'chatops' },
  );

  /** One record: false when it must be delivered again. */
  async function handle(record: SQSRecord): Promise<boolean> {
    const parsed = jobSchema.safeParse(safeJson(record.body));
    if (!parsed.success) {
      deps.logger.error('dropped a ChatOps job of no known shape', {
        messageId: record.messageId,
        problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
      });
      deps.metrics.addMetric('RejectedChatOpsJobs', MetricUnit.Count, 1);
      return true;
    }
    const job = parsed.data;
    deps.logger.appendKeys({
      job: job.id,
      kind: job.kind,
      caller: slackCaller(job.team, job.channel, job.user).id,
    });
    let result: Answer;
    try {
      result = await once({ key: keyOf(job), messageId: record.messageId, job });
    } catch (error) {
      if (error instanceof IdempotencyAlreadyInProgressError) {
        deps.logger.info('a duplicate of a job under way did nothing', {
          messageId: record.messageId,
        });
        deps.metrics.addMetric('DuplicateChatOpsJobs', MetricUnit.Count, 1);
        return true;
      }
      deps.logger.error('a ChatOps job could not run', { error: error as Error });
      deps.metrics.addMetric('ChatOpsJobErrors', MetricUnit.Count, 1);
      return post(job.responseUrl, [
        slackError(
          'waypointer could not run this command. Nothing more is known here: the operators have the details in the logs.',
          'Try again in a moment.',
        ),
      ]);
    }
    if (result.replayed && result.messageId !== record.messageId) {
      // Another click on a decided plan, or a replayed request: recorded, nothing to do.
      deps.logger.info('a job already done did nothing', { messageId: record.messageId });
      deps.metrics.addMetric('DuplicateChatOpsJobs', MetricUnit.Count, 1);
      return true;
    }
    deps.metrics.addMetric('ChatOpsJobs', MetricUnit.Count, 1);
    return post(job.responseUrl, result.messages);
  }

  /** Posts the answers; false (logged and counted) when Slack refused one. */
  async function post(url: string, messages: readonly SlackMessage[]): Promise<boolean> {
    try {
      for (const message of messages) await deps.responder.post(url, message);
      return true;
    } catch (error) {
      deps.logger.error('Slack did not take an answer', { error: error as Error });
      deps.metrics.addMetric('SlackPostFailures', MetricUnit.Count, 1);
      return false;
    }
  }

  return instrumented<SQSEvent, SQSBatchResponse>(deps).handler(async (event, context: Context) => {
    config.registerLambdaContext(context);
    const failures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      if (failures.length > 0 || !(await handle(record)))
        failures.push({ itemIdentifier: record.messageId });
    }
    return { batchItemFailures: failures };
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
