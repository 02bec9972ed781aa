/**
 * `audit.k8s.io/v1` Events and EventLists, as EKS writes them to CloudWatch Logs, as EventBridge
 * carries them and as an audit webhook POSTs them. Tolerant: unknown fields are ignored, and the
 * request and response bodies (absent at Metadata level) are never read.
 */
import { z } from 'zod';

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

export type AuditEvent = z.infer<typeof auditEventSchema>;

export const auditEventListSchema = z.looseObject({
  kind: z.literal('EventList'),
  apiVersion: z.string().startsWith('audit.k8s.io/'),
  items: z.array(z.unknown()),
});

/** What a reconcile request on `reconcile-requests.fifo` carries. */
export const reconcileRequestSchema = z.strictObject({
  cluster: z.string().min(1),
  namespace: z.string().min(1),
  trigger: z.enum(['audit', 'sweep', 'api', 'reconcile']),
  actor: z.string().nullable(),
  auditIds: z.array(z.string()),
});

export type ReconcileRequest = z.infer<typeof reconcileRequestSchema>;
