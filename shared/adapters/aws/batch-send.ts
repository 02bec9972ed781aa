/**
 * The resend loop of the SQS and SNS batch calls (SendMessageBatch, PublishBatch): both answer 200
 * with each failed entry in `Failed`; a sender fault fails at once, other failures are resent with
 * backoff until the attempts run out.
 */
import { UnavailableError } from '../../domain/errors.ts';
import type { Clock } from '../../ports.ts';
import { systemClock } from '../clock.ts';

/** How the batch senders retry and tell time. */
export interface BatchSendOptions {
  /** Attempts for entries the service refuses with a retryable error (default 4). */
  readonly attempts?: number;
  /** Waits between attempts and, for reconcile requests, the deduplication salt (default: the system clock). */
  readonly clock?: Clock;
}

/** A failed entry, as both services report it. */
interface FailedEntry {
  readonly Id?: string | undefined;
  readonly SenderFault?: boolean | undefined;
  readonly Code?: string | undefined;
  readonly Message?: string | undefined;
}

/**
 * Sends `entries` with `send`, resending those reported failed; throws UnavailableError when some
 * never made it (`service` and `destination` name where, in the message).
 *
 * @example
 * await sendEntries(entries, (e) => client.send(new SendMessageBatchCommand({ QueueUrl, Entries: e })), 'SQS', QueueUrl, {});
 */
export async function sendEntries<E extends { readonly Id: string }>(
  entries: readonly E[],
  send: (pending: E[]) => Promise<{ readonly Failed?: readonly FailedEntry[] | undefined }>,
  service: 'SQS' | 'SNS',
  destination: string,
  options: BatchSendOptions,
): Promise<void> {
  const attempts = options.attempts ?? 4;
  const clock = options.clock ?? systemClock;
  let pending = [...entries];
  for (let attempt = 1; pending.length > 0; attempt++) {
    const result = await send(pending);
    const failed = new Map((result.Failed ?? []).map((f) => [f.Id, f]));
    const permanent = [...failed.values()].filter((f) => f.SenderFault === true);
    if (permanent.length > 0) {
      throw new UnavailableError(
        `${service} refused ${permanent.length} message(s) to ${destination}: ${permanent.map((f) => `${f.Code}: ${f.Message}`).join('; ')}`,
      );
    }
    pending = pending.filter((e) => failed.has(e.Id));
    if (pending.length === 0) return;
    if (attempt >= attempts) {
      throw new UnavailableError(
        `${service} kept failing ${pending.length} message(s) to ${destination} after ${attempts} attempts`,
      );
    }
    await clock.sleep(100 * 2 ** attempt);
  }
}
