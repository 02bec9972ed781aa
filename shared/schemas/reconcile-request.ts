/**
 * The reconcile request: what `reconcile-requests.fifo` carries (one namespace to recompute), and
 * the SQS record that delivers it, parsed once with the Powertools SQS schema.
 */
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { SqsRecordSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import { z } from 'zod';
import { TRIGGERS } from '../domain/message.ts';

/**
 * A request to recompute one namespace. The one definition: the queue port, the SQS adapter, the
 * use cases and the reconcile function all use this schema or its type.
 *
 * @example
 * reconcileRequestSchema.parse({
 *   cluster: 'prod', namespace: 'default', trigger: 'audit', actor: 'alice', auditIds: ['a1'],
 * });
 */
export const reconcileRequestSchema = z.strictObject({
  cluster: z.string().min(1),
  namespace: z.string().min(1),
  trigger: z.enum(TRIGGERS),
  /** The user of the audit event, or the API caller; null when unknown (a sweep). */
  actor: z.string().nullable(),
  /** Kubernetes audit IDs that led here. */
  auditIds: z.array(z.string()).readonly(),
});

/** A request to recompute one namespace (see {@link reconcileRequestSchema}). */
export type ReconcileRequest = Readonly<z.infer<typeof reconcileRequestSchema>>;

/**
 * A record of the SQS event Lambda delivers from `reconcile-requests.fifo`: Powertools'
 * `SqsRecordSchema` whose JSON `body` is a {@link ReconcileRequest}.
 *
 * @example
 * const { body } = reconcileRecordSchema.parse(event.Records[0]); // body: ReconcileRequest
 */
export const reconcileRecordSchema = SqsRecordSchema.extend({
  body: JSONStringified(reconcileRequestSchema),
});
