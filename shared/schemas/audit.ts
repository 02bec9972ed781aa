/**
 * `audit.k8s.io/v1` Events and EventLists, as EKS writes them to CloudWatch Logs, as EventBridge
 * carries them and as an audit webhook POSTs them. Tolerant: unknown fields are ignored, and the
 * request and response bodies (absent at Metadata level) are never read.
 */
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { z } from 'zod';

/** One `audit.k8s.io/v1` Event, as far as waypointer reads it. */
export const auditEventSchema = z.looseObject({
  kind: z.literal('Event'),
  apiVersion: z.string().startsWith('audit.k8s.io/'),
  level: z.string(),
  auditID: z.string().min(1),
  stage: z.string(),
  requestURI: z.string().optional(),
  verb: z.string(),
  user: z
    .looseObject({ username: z.string().optional(), groups: z.array(z.string()).optional() })
    .optional(),
  userAgent: z.string().optional(),
  objectRef: z
    .looseObject({
      resource: z.string().optional(),
      namespace: z.string().optional(),
      name: z.string().optional(),
      apiGroup: z.string().optional(),
      apiVersion: z.string().optional(),
      subresource: z.string().optional(),
    })
    .optional(),
  responseStatus: z.looseObject({ code: z.number().optional() }).optional(),
  stageTimestamp: z.string().optional(),
});

/** An audit Event (see {@link auditEventSchema}). */
export type AuditEvent = z.infer<typeof auditEventSchema>;

/** An `audit.k8s.io/v1` EventList, as an audit webhook POSTs it (items checked one by one). */
export const auditEventListSchema = z.looseObject({
  kind: z.literal('EventList'),
  apiVersion: z.string().startsWith('audit.k8s.io/'),
  items: z.array(z.unknown()),
});

/** Audit events that passed {@link auditEventSchema}, and how many values did not. */
export interface ParsedAuditEvents {
  readonly events: AuditEvent[];
  readonly malformed: number;
}

/** The values `schema` accepts, and how many it did not. */
function parseEach<T extends z.ZodType>(
  schema: T,
  values: readonly unknown[],
): { events: z.output<T>[]; malformed: number } {
  const events: z.output<T>[] = [];
  let malformed = 0;
  for (const value of values) {
    const parsed = schema.safeParse(value);
    if (parsed.success) events.push(parsed.data);
    else malformed++;
  }
  return { events, malformed };
}

/**
 * Keeps the values that are audit events and counts the others: one malformed event in a
 * delivery must not cost the rest.
 *
 * @example
 * parseAuditEvents([event, { kind: 'Pod' }]); // => { events: [event], malformed: 1 }
 */
export function parseAuditEvents(values: readonly unknown[]): ParsedAuditEvents {
  return parseEach(auditEventSchema, values);
}

/**
 * The same for JSON texts (CloudWatch Logs messages): a text that is no JSON is malformed too.
 *
 * @example
 * parseAuditEventTexts([JSON.stringify(event), '{']); // => { events: [event], malformed: 1 }
 */
export function parseAuditEventTexts(texts: readonly string[]): ParsedAuditEvents {
  return parseEach(JSONStringified(auditEventSchema), texts);
}

/** An audit webhook body: an EventList as JSON text. */
export const auditEventListJsonSchema = JSONStringified(auditEventListSchema);

/** `/aws/eks/<cluster>/cluster`: the log group EKS writes a cluster's control-plane logs to. */
const EKS_LOG_GROUP = /^\/aws\/eks\/([^/]+)\/cluster$/;

/**
 * The EKS cluster whose control-plane log group this is; undefined for any other log group.
 *
 * @example
 * clusterOfLogGroup('/aws/eks/prod/cluster'); // => 'prod'
 */
export function clusterOfLogGroup(logGroup: string): string | undefined {
  return EKS_LOG_GROUP.exec(logGroup)?.[1];
}

/** The route of the audit webhook: an `EventList` is POSTed to it, per cluster. */
export const AUDIT_WEBHOOK_ROUTE = '/audit/{cluster}';

/**
 * The cluster segment of an audit webhook path (`/audit/{cluster}`, behind any stage prefix), still
 * percent-encoded; undefined when the path is not the webhook's.
 *
 * @example
 * webhookClusterSegment('/prod/audit/demo'); // => 'demo'
 */
export function webhookClusterSegment(path: string): string | undefined {
  return /\/audit\/([^/]+)$/.exec(path)?.[1];
}

/** The detail of an EventBridge audit event: the cluster, and one audit event. */
export const auditDetailSchema = z.object({ cluster: z.string().min(1), event: z.unknown() });
