/**
 * Audit: every write to the embedded API server becomes an `audit.k8s.io/v1` Event at stage
 * ResponseComplete, at the level EKS's audit policy gives it (RequestResponse for core kinds,
 * Metadata for custom resources such as Gateways), POSTed as an `EventList` to a webhook and/or
 * appended to a file as CloudWatch Logs lines (one JSON event per line).
 */
import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import type { ResourceType } from './resources.ts';

export interface UserInfo {
  readonly username: string;
  readonly uid?: string;
  readonly groups: readonly string[];
}

/** Who made a request and how: what the audit event records about the caller. */
export interface RequestContext {
  readonly user: UserInfo;
  readonly userAgent: string;
  readonly sourceIp: string;
  readonly requestUri: string;
  readonly verb: string;
}

export interface AuditRecord {
  readonly context: RequestContext;
  readonly type: ResourceType;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
  readonly code: number;
  readonly requestObject?: unknown;
  readonly responseObject?: unknown;
  readonly received: Date;
  readonly completed: Date;
}

/**
 * `responseStatus` as `audit.LogResponseObject` fills it: the Status's status, message, reason,
 * details and code for a failure; only the code (and empty metadata) for a success.
 */
function responseStatus(code: number, response: unknown): Record<string, unknown> {
  const status = response as
    | { kind?: unknown; status?: unknown; message?: unknown; reason?: unknown; details?: unknown }
    | undefined;
  if (status?.kind !== 'Status') return { metadata: {}, code };
  return {
    metadata: {},
    ...(status.status === undefined ? {} : { status: status.status }),
    ...(status.message === undefined ? {} : { message: status.message }),
    ...(status.reason === undefined ? {} : { reason: status.reason }),
    ...(status.details === undefined ? {} : { details: status.details }),
    code,
  };
}

/** MicroTime: RFC 3339 with microseconds. */
function microTime(date: Date): string {
  return date.toISOString().replace('Z', '000Z');
}

/** The audit.k8s.io/v1 Event of a request. */
export function auditEvent(record: AuditRecord): Record<string, unknown> {
  const { context, type } = record;
  const level = type.custom ? 'Metadata' : 'RequestResponse';
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level,
    auditID: randomUUID(),
    stage: 'ResponseComplete',
    requestURI: context.requestUri,
    verb: context.verb,
    user: {
      username: context.user.username,
      ...(context.user.uid === undefined ? {} : { uid: context.user.uid }),
      groups: context.user.groups,
    },
    sourceIPs: [context.sourceIp],
    userAgent: context.userAgent,
    objectRef: {
      resource: type.plural,
      ...(record.namespace === undefined ? {} : { namespace: record.namespace }),
      ...(record.name === undefined ? {} : { name: record.name }),
      ...(type.group === '' ? {} : { apiGroup: type.group }),
      apiVersion: type.version,
      ...(record.subresource === undefined ? {} : { subresource: record.subresource }),
    },
    responseStatus: responseStatus(record.code, record.responseObject),
    ...(level === 'RequestResponse' && record.requestObject !== undefined
      ? { requestObject: record.requestObject }
      : {}),
    ...(level === 'RequestResponse' && record.responseObject !== undefined
      ? { responseObject: record.responseObject }
      : {}),
    requestReceivedTimestamp: microTime(record.received),
    stageTimestamp: microTime(record.completed),
    annotations: {
      'authorization.k8s.io/decision': record.code === 403 ? 'forbid' : 'allow',
      'authorization.k8s.io/reason': '',
    },
  };
}

export interface AuditOptions {
  /** POST events as EventLists to this URL (the audit webhook backend). */
  readonly webhookUrl?: string;
  /** Append each event as one line to this file (what CloudWatch Logs holds for EKS). */
  readonly logFile?: string;
  /** How long one webhook POST may take, and how long `stop` waits for delivery (2000 ms). */
  readonly webhookTimeoutMs?: number;
  /** Events per EventList at most (the batch backend's `--audit-webhook-batch-max-size`: 400). */
  readonly batchMaxSize?: number;
}

type AuditEvent = Record<string, unknown>;

/**
 * Delivers audit events in order, best-effort, like the webhook backend in batch mode: events
 * recorded while a delivery is in flight go out together in the next EventList (at most
 * `batchMaxSize`); a POST that fails or takes longer than `webhookTimeoutMs` is retried once, then
 * the batch is dropped and the failure kept in `failures`.
 */
export class AuditSink {
  readonly #options: AuditOptions;
  #pending: AuditEvent[] = [];
  #draining: Promise<void> | undefined;
  #closed = false;
  readonly #abort = new AbortController();
  readonly failures: Error[] = [];

  constructor(options: AuditOptions) {
    this.#options = options;
  }

  get enabled(): boolean {
    return this.#options.webhookUrl !== undefined || this.#options.logFile !== undefined;
  }

  record(record: AuditRecord): void {
    if (!this.enabled || this.#closed) return;
    this.#pending.push(auditEvent(record));
    this.#draining ??= this.#drain();
  }

  async #drain(): Promise<void> {
    const max = this.#options.batchMaxSize ?? 400;
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, max);
      try {
        await this.#deliver(batch);
      } catch (error) {
        this.failures.push(error instanceof Error ? error : new Error(String(error)));
      }
    }
    this.#draining = undefined;
  }

  async #deliver(batch: readonly AuditEvent[]): Promise<void> {
    const { webhookUrl, logFile } = this.#options;
    if (logFile !== undefined)
      await appendFile(logFile, batch.map((event) => `${JSON.stringify(event)}\n`).join(''));
    if (webhookUrl === undefined) return;
    const body = JSON.stringify({
      kind: 'EventList',
      apiVersion: 'audit.k8s.io/v1',
      metadata: {},
      items: batch,
    });
    const timeoutMs = this.#options.webhookTimeoutMs ?? 2000;
    for (let attempt = 0; attempt < 2 && !this.#abort.signal.aborted; attempt++) {
      const response = await fetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(timeoutMs)]),
      }).catch(() => undefined);
      await response?.body?.cancel().catch(() => undefined);
      if (response?.ok === true) return;
    }
    throw new Error(`audit webhook ${webhookUrl} did not accept ${batch.length} event(s)`);
  }

  /** Resolves when every event recorded so far was delivered (or failed). */
  flush(): Promise<void> {
    return this.#draining ?? Promise.resolve();
  }

  /**
   * Stops recording and waits for pending deliveries for at most `webhookTimeoutMs`; what is still
   * undelivered then is abandoned (and counted in `failures`), so that stopping never hangs on a
   * webhook that does not answer.
   */
  async stop(): Promise<void> {
    this.#closed = true;
    const graceMs = this.#options.webhookTimeoutMs ?? 2000;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), graceMs);
    });
    const late = await Promise.race([this.flush().then(() => false), expired]);
    clearTimeout(timer);
    if (!late) return;
    const dropped = this.#pending.splice(0);
    if (dropped.length > 0)
      this.failures.push(new Error(`audit: ${dropped.length} event(s) dropped at stop`));
    this.#abort.abort();
    await this.flush();
  }
}
