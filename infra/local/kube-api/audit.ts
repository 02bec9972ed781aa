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

/** The audit.k8s.io/v1 Event of a request. */
export function auditEvent(record: AuditRecord): Record<string, unknown> {
  const { context, type } = record;
  const level = type.custom ? 'Metadata' : 'RequestResponse';
  const responseObject = record.responseObject as
    | { metadata?: { uid?: string; resourceVersion?: string } }
    | undefined;
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
      ...(responseObject?.metadata?.uid === undefined ? {} : { uid: responseObject.metadata.uid }),
      ...(type.group === '' ? {} : { apiGroup: type.group }),
      apiVersion: type.version,
      ...(responseObject?.metadata?.resourceVersion === undefined
        ? {}
        : { resourceVersion: responseObject.metadata.resourceVersion }),
      ...(record.subresource === undefined ? {} : { subresource: record.subresource }),
    },
    responseStatus: { metadata: {}, code: record.code },
    ...(level === 'RequestResponse' && record.requestObject !== undefined
      ? { requestObject: record.requestObject }
      : {}),
    ...(level === 'RequestResponse' && record.responseObject !== undefined
      ? { responseObject: record.responseObject }
      : {}),
    requestReceivedTimestamp: record.received.toISOString().replace('Z', '000Z'),
    stageTimestamp: record.completed.toISOString().replace('Z', '000Z'),
    annotations: {
      'authorization.k8s.io/decision': record.code === 403 ? 'forbid' : 'allow',
      'authorization.k8s.io/reason': '',
    },
  };
}

export interface AuditOptions {
  /** POST each event as an EventList to this URL (the audit webhook backend). */
  readonly webhookUrl?: string;
  /** Append each event as one line to this file (what CloudWatch Logs holds for EKS). */
  readonly logFile?: string;
}

/** Delivers audit events in order, best-effort, like the webhook backend (batched, retried once). */
export class AuditSink {
  readonly #options: AuditOptions;
  #queue: Promise<void> = Promise.resolve();
  readonly failures: Error[] = [];

  constructor(options: AuditOptions) {
    this.#options = options;
  }

  get enabled(): boolean {
    return this.#options.webhookUrl !== undefined || this.#options.logFile !== undefined;
  }

  record(record: AuditRecord): void {
    if (!this.enabled) return;
    const event = auditEvent(record);
    this.#queue = this.#queue
      .then(() => this.#deliver(event))
      .catch((error: unknown) => {
        this.failures.push(error instanceof Error ? error : new Error(String(error)));
      });
  }

  async #deliver(event: Record<string, unknown>): Promise<void> {
    const { webhookUrl, logFile } = this.#options;
    if (logFile !== undefined) await appendFile(logFile, `${JSON.stringify(event)}\n`);
    if (webhookUrl === undefined) return;
    const body = JSON.stringify({
      kind: 'EventList',
      apiVersion: 'audit.k8s.io/v1',
      metadata: {},
      items: [event],
    });
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await fetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }).catch(() => undefined);
      if (response?.ok === true) return;
    }
    throw new Error(`audit webhook ${webhookUrl} did not accept event ${String(event.auditID)}`);
  }

  /** Resolves when every event recorded so far was delivered (or failed). */
  flush(): Promise<void> {
    return this.#queue;
  }
}
