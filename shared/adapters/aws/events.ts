/**
 * The EventPublisher port on Amazon EventBridge: PutEvents to one bus, at most 10 entries a call.
 * PutEvents answers HTTP 200 even when it refuses entries; every refused entry (its `ErrorCode` and
 * `ErrorMessage`) makes `publish` throw, so a caller never believes an event went out when it did
 * not. Nothing is retried here: the caller's own retry (a failed Lambda invocation is retried, then
 * dead-lettered) sends the events again.
 */
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { UnavailableError, ValidationError } from '../../domain/errors.ts';
import type { EventPublisher, OutgoingEvent } from '../../ports.ts';

/** EventBridge's largest number of entries in one PutEvents call. */
export const PUT_EVENTS_MAX_ENTRIES = 10;

/** An entry's size must be less than this (1 MB: `@aws-sdk/client-eventbridge` PutEvents docs). */
export const PUT_EVENTS_MAX_BYTES = 1_048_576;

/**
 * An entry's size as EventBridge counts it against {@link PUT_EVENTS_MAX_BYTES}: 14 bytes for the
 * time, then the UTF-8 bytes of the source, the detail type, the detail (JSON) and each resource.
 *
 * @example
 * entrySize({ source: 'io.waypointer', detailType: 'x', detail: {} }); // => 14 + 13 + 1 + 2
 */
export function entrySize(event: OutgoingEvent): number {
  const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');
  return (
    14 +
    bytes(event.source) +
    bytes(event.detailType) +
    bytes(JSON.stringify(event.detail)) +
    (event.resources ?? []).reduce((sum, resource) => sum + bytes(resource), 0)
  );
}

function entryOf(busName: string, event: OutgoingEvent): PutEventsRequestEntry {
  const size = entrySize(event);
  if (size >= PUT_EVENTS_MAX_BYTES) {
    throw new ValidationError(
      `event ${event.detailType} from ${event.source} is ${size} bytes, EventBridge takes less than ${PUT_EVENTS_MAX_BYTES}`,
    );
  }
  return {
    EventBusName: busName,
    Source: event.source,
    DetailType: event.detailType,
    Detail: JSON.stringify(event.detail),
    ...(event.time === undefined ? {} : { Time: event.time }),
    ...(event.resources === undefined ? {} : { Resources: [...event.resources] }),
  };
}

/** Publishes events to one EventBridge bus (a name or an ARN). */
export class EventBridgePublisher implements EventPublisher {
  readonly #client: EventBridgeClient;
  readonly #busName: string;

  constructor(client: EventBridgeClient, busName: string) {
    this.#client = client;
    this.#busName = busName;
  }

  /**
   * Sends the events, 10 a call, in order; throws UnavailableError naming each refused entry's
   * error code and message (`details.failures`), ValidationError for an entry that is too large.
   *
   * @example
   * await new EventBridgePublisher(new EventBridgeClient({}), 'default').publish([
   *   { source: 'io.waypointer', detailType: 'waypointer.command.result', detail: { exitCode: 0 } },
   * ]);
   */
  async publish(events: readonly OutgoingEvent[]): Promise<void> {
    const entries = events.map((event) => entryOf(this.#busName, event));
    for (let at = 0; at < entries.length; at += PUT_EVENTS_MAX_ENTRIES) {
      const batch = entries.slice(at, at + PUT_EVENTS_MAX_ENTRIES);
      const output = await this.#client.send(new PutEventsCommand({ Entries: batch }));
      const failures = (output.Entries ?? []).flatMap((entry, i) =>
        entry.ErrorCode === undefined
          ? []
          : [
              {
                detailType: batch[i]?.DetailType,
                errorCode: entry.ErrorCode,
                errorMessage: entry.ErrorMessage ?? '',
              },
            ],
      );
      const failed = Math.max(output.FailedEntryCount ?? 0, failures.length);
      if (failed > 0) {
        const causes = failures.map((f) => `${f.detailType}: ${f.errorCode}: ${f.errorMessage}`);
        throw new UnavailableError(
          `EventBridge refused ${failed} of ${batch.length} event(s) to bus ${this.#busName}: ${causes.join('; ') || 'no error code given'}`,
          { details: { bus: this.#busName, failures } },
        );
      }
    }
  }
}
