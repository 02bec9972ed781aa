/**
 * What `npm start` tells about the event pipeline, one readable line per step: the reconcile
 * requests audit events lead to, and each binding-change message published. It wraps the
 * pipeline's queue and publisher, so it sees exactly what is sent.
 */
import type { ChangePublisher, OutgoingMessage, ReconcileQueue } from '../../../../shared/ports.ts';
import type { ReconcileRequest } from '../../../../shared/schemas/reconcile-request.ts';

/** Where the lines go (`waypointer serve` prints them). */
export type ActivityLog = (line: string) => void;

interface PublishedChange {
  readonly kind: string;
  readonly name: string;
  readonly before: { readonly waypoint?: { readonly name: string } | null } | null;
  readonly after: { readonly waypoint?: { readonly name: string } | null } | null;
}

interface PublishedData {
  readonly cluster: string;
  readonly namespace: string;
  readonly generation: number;
  readonly changes: readonly PublishedChange[];
  readonly cause: { readonly trigger: string; readonly actor: string | null };
}

const SHOWN = 3;

/** A side of a change: the waypoint's name, `none`, or `new`/`gone` for an object that was not or is no more. */
function side(binding: PublishedChange['before'], absent: 'new' | 'gone'): string {
  if (binding === null) return absent;
  return binding.waypoint?.name ?? 'none';
}

/**
 * The line of one published message.
 *
 * @example
 * publishedLine(body); // 'published local/default #2 (audit by alice): Service reviews waypoint -> reviews-svc (+1 more)'
 */
export function publishedLine(body: string): string {
  const { data } = JSON.parse(body) as { data: PublishedData };
  const shown = data.changes
    .slice(0, SHOWN)
    .map((c) => `${c.kind} ${c.name} ${side(c.before, 'new')} -> ${side(c.after, 'gone')}`);
  const more = data.changes.length > SHOWN ? ` (+${data.changes.length - SHOWN} more)` : '';
  const by = data.cause.actor === null ? '' : ` by ${data.cause.actor}`;
  return `published ${data.cluster}/${data.namespace} #${data.generation} (${data.cause.trigger}${by}): ${shown.join(', ')}${more}`;
}

/** The line of one reconcile request. */
export function requestLine(request: ReconcileRequest): string {
  const by = request.actor === null ? '' : ` by ${request.actor}`;
  const events = request.auditIds.length === 0 ? '' : `, ${request.auditIds.length} audit event(s)`;
  return `reconcile requested for ${request.cluster}/${request.namespace} (${request.trigger}${by}${events})`;
}

/** The queue and publisher, telling `log` what goes through them. */
export function logged(
  deps: { readonly queue: ReconcileQueue; readonly publisher: ChangePublisher },
  log: ActivityLog,
): { queue: ReconcileQueue; publisher: ChangePublisher } {
  return {
    queue: {
      enqueue: async (requests: readonly ReconcileRequest[]) => {
        await deps.queue.enqueue(requests);
        for (const request of requests) log(requestLine(request));
      },
    },
    publisher: {
      publish: async (messages: readonly OutgoingMessage[]) => {
        await deps.publisher.publish(messages);
        for (const message of messages) log(publishedLine(message.body));
      },
    },
  };
}
