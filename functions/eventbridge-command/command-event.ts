/**
 * The pure parts of eventbridge-command: the command event's schema (Powertools' EventBridge
 * envelope with our detail), the caller an event stands for, the command request it makes, and the
 * result event that announces the outcome. No I/O.
 */
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { z } from 'zod';
import { entrySize, PUT_EVENTS_MAX_BYTES } from '../../shared/adapters/aws/events.ts';
import type { Caller, CommandOutcome, CommandRequest, OutgoingEvent } from '../../shared/ports.ts';
import { clusterName } from '../../shared/schemas/api.ts';

/** The detail type of a command event. */
export const COMMAND_DETAIL_TYPE = 'waypointer.command';
/** The detail type of the event that announces a command's outcome. */
export const RESULT_DETAIL_TYPE = 'waypointer.command.result';
/** The source of result events. */
export const RESULT_SOURCE = 'io.waypointer';

/**
 * The detail of a command event: the cluster, the command (grammar text, its words, or structured
 * arguments), `dryRun`, and `actor`, who asked for it in the sender's words (recorded, never
 * trusted for rights). Unknown fields are refused, so a misspelt `dry_run` cannot run a change.
 */
export const commandDetailSchema = z.strictObject({
  cluster: clusterName,
  command: z.union([
    z.string().trim().min(1, 'the command text must not be empty'),
    z.array(z.string()).min(1, 'the command needs at least one word'),
    z.record(z.string(), z.unknown()),
  ]),
  dryRun: z.boolean().optional(),
  actor: z.string().trim().min(1).max(256).optional(),
});

/**
 * A command event: the EventBridge envelope (`EventBridgeSchema`) whose detail type is
 * `waypointer.command` and whose detail is {@link commandDetailSchema}. `account` (set by
 * EventBridge, never by the sender) and `source` name the caller, so both are checked.
 */
export const commandEventSchema = EventBridgeSchema.extend({
  'detail-type': z.literal(COMMAND_DETAIL_TYPE),
  account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
  source: z.string().regex(/^\S{1,256}$/, 'must be 1-256 characters without whitespace'),
  detail: commandDetailSchema,
});

/** A command event, as parsed. */
export type CommandEvent = z.infer<typeof commandEventSchema>;

/**
 * The caller a command event stands for: `eventbridge:<account>/<source>`. EventBridge sets
 * `account` to the sender's account; the sender chooses `source` (IAM's `events:source` condition
 * limits which ones a principal may use; `aws.*` sources are AWS's alone), so a policy rule names
 * who may put events with that source from that account. `actor` is not part of it.
 *
 * @example
 * callerOf({ account: '123456789012', source: 'com.example.ops' });
 * // => { id: 'eventbridge:123456789012/com.example.ops', kind: 'eventbridge' }
 */
export function callerOf(event: Pick<CommandEvent, 'account' | 'source'>): Caller {
  return { id: `eventbridge:${event.account}/${event.source}`, kind: 'eventbridge' };
}

/**
 * The request a command event makes of the command runner.
 *
 * @example
 * requestOf(event); // => { cluster: 'prod', command: 'status -A', caller: { id: 'eventbridge:...', kind: 'eventbridge' } }
 */
export function requestOf(event: CommandEvent): CommandRequest {
  const { cluster, command, dryRun } = event.detail;
  return {
    cluster,
    command,
    ...(dryRun === undefined ? {} : { dryRun }),
    caller: callerOf(event),
  };
}

/** The detail of a result event (a type, so that it is a JSON object to the EventPublisher). */
export type ResultDetail = {
  /** The `id` of the command event this answers. */
  readonly requestEventId: string;
  readonly cluster: string;
  /** The command as the runner parsed it. */
  readonly command: Readonly<Record<string, unknown>>;
  readonly dryRun: boolean;
  readonly exitCode: number;
  /** The result model; null when it was too large for an event (`truncated`). */
  readonly result: unknown;
  readonly error?: { readonly type: string; readonly message: string };
  /** The principal whose rights the command ran with (see {@link callerOf}). */
  readonly caller: string;
  /** The command event's `actor`, as the sender wrote it; null when it gave none. */
  readonly actor: string | null;
  /** Present when the result was left out because the event would exceed EventBridge's limit. */
  readonly truncated?: true;
};

/** A result event: its detail is a {@link ResultDetail}. */
export type ResultEvent = OutgoingEvent & { readonly detail: ResultDetail };

/**
 * The result event announcing an outcome: source `io.waypointer`, detail type
 * `waypointer.command.result`. When the result would make the entry too large for PutEvents, the
 * result is replaced by null and `truncated: true` (the exit code and error still say what happened).
 *
 * @example
 * resultEvent(event, { exitCode: 0, command: { verb: 'status' }, result: [] }).detail.exitCode; // => 0
 */
export function resultEvent(event: CommandEvent, outcome: CommandOutcome): ResultEvent {
  const detail: ResultDetail = {
    requestEventId: event.id,
    cluster: event.detail.cluster,
    command: outcome.command,
    dryRun: event.detail.dryRun ?? false,
    exitCode: outcome.exitCode,
    result: outcome.result ?? null,
    ...(outcome.error === undefined ? {} : { error: outcome.error }),
    caller: callerOf(event).id,
    actor: event.detail.actor ?? null,
  };
  const full: ResultEvent = { source: RESULT_SOURCE, detailType: RESULT_DETAIL_TYPE, detail };
  if (entrySize(full) < PUT_EVENTS_MAX_BYTES) return full;
  return { ...full, detail: { ...detail, result: null, truncated: true } };
}
