/**
 * zod schemas of the HTTP API: path parameters, query strings and bodies (unknown fields are
 * rejected), and the response shapes, from which the OpenAPI document is generated.
 */

import {
  isDns1123Label,
  isDns1123Subdomain,
  isValidLabelValue,
} from '@waypointer/apimachinery/validation';
import { z } from 'zod';
import { ValidationError } from '../domain/errors.ts';
import { TRAFFIC_TYPES } from '../domain/labels.ts';
import { podSelector } from '../domain/plan.ts';

/** A string checked by one of apimachinery's rules, with its message. */
const checked = (rule: (value: string) => string[], description: string): z.ZodString =>
  z
    .string()
    .min(1)
    .superRefine((value, ctx) => {
      for (const message of rule(value)) ctx.addIssue({ code: 'custom', message });
    })
    .describe(description) as unknown as z.ZodString;

export const namespaceName = checked(isDns1123Label, 'A namespace name (RFC 1123 label).');
export const objectName = checked(isDns1123Subdomain, 'An object name (RFC 1123 subdomain).');
export const waypointName = checked(
  isValidLabelValue,
  'A waypoint name, as a label value (`none` opts out).',
);
export const clusterName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/,
    'must be 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit',
  )
  .describe('A cluster name, as configured.');

const flag = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .describe('"true" or "false".');

export const selector = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    try {
      podSelector(value);
    } catch (error) {
      if (error instanceof ValidationError)
        ctx.addIssue({ code: 'custom', message: error.message });
      else throw error;
    }
  })
  .describe('A Kubernetes label selector, e.g. `app=reviews,version=v2`.');

export const clusterParams = z.strictObject({ cluster: clusterName });
export const namespaceParams = z.strictObject({ cluster: clusterName, namespace: namespaceName });
export const waypointParams = namespaceParams.extend({ name: objectName });
export const serviceParams = namespaceParams.extend({ service: objectName });
export const podParams = namespaceParams.extend({ pod: objectName });
export const serviceEntryParams = namespaceParams.extend({ serviceentry: objectName });
export const workloadEntryParams = namespaceParams.extend({ workloadentry: objectName });

export const trafficType = z.enum(TRAFFIC_TYPES).describe('The traffic the waypoint handles.');

export const generateBody = z.strictObject({
  namespace: namespaceName.optional(),
  name: objectName.optional(),
  for: trafficType.optional(),
  revision: checked(isValidLabelValue, 'The revision label (istio.io/rev).').optional(),
});

export const applyWaypointBody = z.strictObject({
  for: trafficType.optional(),
  revision: checked(isValidLabelValue, 'The revision label (istio.io/rev).').optional(),
  enrollNamespace: z
    .boolean()
    .optional()
    .describe('Also label the namespace with istio.io/use-waypoint.'),
  overwrite: z
    .boolean()
    .optional()
    .describe('With enrollNamespace: replace the waypoint the namespace uses.'),
  wait: z.boolean().optional().describe('Wait for the waypoint to be Programmed.'),
  timeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(900)
    .optional()
    .describe('How long to wait (default 90).'),
  dryRun: z.boolean().optional().describe('Return the plan and change nothing.'),
});

export const deleteWaypointQuery = z.strictObject({
  unenroll: flag.optional(),
  force: flag.optional(),
  dryRun: flag.optional(),
});

export const enrollBody = z.strictObject({
  waypoint: waypointName,
  waypointNamespace: namespaceName.optional().describe('The waypoint is in another namespace.'),
  overwrite: z.boolean().optional().describe('Replace a different waypoint the object uses.'),
  force: z
    .boolean()
    .optional()
    .describe("Label even though the waypoint's allowedRoutes would deny it."),
  dryRun: z.boolean().optional(),
});

export const canaryBody = z.strictObject({
  canary: waypointName.describe('The canary waypoint (istio.io/use-waypoint-canary).'),
  canaryNamespace: namespaceName
    .optional()
    .describe('The canary is in another namespace (istio.io/use-waypoint-canary-namespace).'),
  weight: z
    .number()
    .int()
    .min(0)
    .max(100)
    .optional()
    .describe(
      "The canary's share of connections in percent (istio.io/use-waypoint-canary-weight); kept when absent.",
    ),
  overwrite: z.boolean().optional().describe('Replace a different canary the object has.'),
  dryRun: z.boolean().optional(),
});

export const dryRunQuery = z.strictObject({ dryRun: flag.optional() });
export const podSelectorQuery = z.strictObject({ selector, dryRun: flag.optional() });
export const waypointsQuery = z.strictObject({ namespace: namespaceName.optional() });
export const statusQuery = z.strictObject({
  wait: flag.optional(),
  timeoutSeconds: z.coerce.number().int().min(1).max(900).optional(),
});
export const bindingsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: namespaceName.optional(),
});

// Responses (for the OpenAPI document).

const waypointRef = z.object({ namespace: z.string(), name: z.string() }).nullable();
export const serviceBinding = z.object({
  namespace: z.string(),
  name: z.string(),
  waypoint: waypointRef,
  canary: z
    .object({
      waypoint: z.object({ namespace: z.string(), name: z.string() }),
      weight: z.number().int(),
    })
    .nullable()
    .describe('The canary beside the waypoint (Istio 1.31+) and its share in percent.'),
  via: z.enum(['service', 'namespace']).nullable(),
  condition: z
    .object({ status: z.enum(['True', 'False']), reason: z.string(), message: z.string() })
    .nullable(),
});
export const podBinding = z.object({
  namespace: z.string(),
  name: z.string(),
  waypoint: waypointRef,
  via: z.enum(['pod', 'namespace']).nullable(),
  workload: z
    .literal(false)
    .optional()
    .describe('false: istiod builds no workload for the pod now (Succeeded, Failed, no IP).'),
});
export const namespaceBinding = z.object({
  namespace: z.string(),
  waypoint: waypointRef,
  via: z.enum(['namespace']).nullable(),
});
export const diagnostic = z.object({
  code: z.string().describe('A stable code, e.g. `dangling-reference`.'),
  severity: z.enum(['error', 'warning', 'info']),
  subject: z.string().describe('`Namespace name` or `Kind namespace/name`, for people.'),
  message: z.string(),
  namespace: z.string().describe("The object's namespace (a Namespace's own name)."),
  waypoint: waypointRef.describe('The waypoint the diagnostic is about, if any.'),
  object: z.object({
    kind: z.enum(['Namespace', 'Service', 'Pod', 'Gateway', 'ServiceEntry', 'WorkloadEntry']),
    namespace: z.string(),
    name: z.string(),
  }),
});
const entryConditions = z
  .record(
    z.string(),
    z.object({ status: z.enum(['True', 'False']), reason: z.string(), message: z.string() }),
  )
  .describe(
    'The conditions istiod writes, by type: istio.io/WaypointBound, istio.io/WaypointMissing, istio.io/VisibilityApplied.',
  );
export const serviceEntryBinding = z.object({
  namespace: z.string(),
  name: z.string(),
  waypoint: waypointRef,
  via: z.enum(['serviceentry', 'namespace']).nullable(),
  canary: z.object({ waypoint: waypointRef.unwrap(), weight: z.number() }).nullable(),
  conditions: entryConditions,
});
export const workloadEntryBinding = z.object({
  namespace: z.string(),
  name: z.string(),
  waypoint: waypointRef,
  via: z.enum(['workloadentry', 'namespace']).nullable(),
  conditions: entryConditions,
  serviceEntryEndpoint: z
    .string()
    .optional()
    .describe('For an inline endpoint of the ServiceEntry `name`: its address.'),
});
/** One side of a binding change: the object's binding, null when it did not or no longer exists. */
const changedBinding = z
  .union([serviceBinding, podBinding, namespaceBinding, serviceEntryBinding, workloadEntryBinding])
  .nullable();
export const bindingChange = z.object({
  kind: z.enum(['Namespace', 'Service', 'Pod', 'ServiceEntry', 'WorkloadEntry']),
  namespace: z.string(),
  name: z.string(),
  traffic: z.enum(['service', 'workload']),
  before: changedBinding,
  after: changedBinding,
});
export const mutationResult = z.object({
  dryRun: z.boolean(),
  done: z.array(z.string()),
  warnings: z.array(z.string()),
  plan: z.array(bindingChange),
  changes: z.array(bindingChange).optional(),
});
export const bindingsPage = z.object({
  services: z.array(serviceBinding),
  pods: z.array(podBinding),
  namespaces: z.array(namespaceBinding),
  diagnostics: z.array(diagnostic),
  serviceEntries: z.array(serviceEntryBinding),
  workloadEntries: z.array(workloadEntryBinding),
  nextCursor: z.string().optional(),
});
export const waypointSummary = z.object({
  namespace: z.string(),
  name: z.string(),
  gatewayClassName: z.string(),
  revision: z.string(),
  trafficType: z.string(),
  effectiveTrafficType: z.string(),
  programmed: z.string(),
  bound: z
    .object({
      services: z.number(),
      pods: z.number(),
      namespaces: z.number(),
      serviceEntries: z.number(),
      workloadEntries: z.number(),
    })
    .describe(
      'Services, Pods, ServiceEntries and WorkloadEntries (with inline endpoints of ServiceEntries) bound to it, and namespaces enrolled on it (istio.io/use-waypoint names it), among those the caller may read.',
    ),
});
export const waypointStatus = z.object({
  waypoint: waypointSummary,
  status: z
    .object({ type: z.string(), status: z.string(), reason: z.string(), message: z.string() })
    .nullable(),
  addresses: z.array(z.string()),
  referencedBy: z.array(z.object({ kind: z.string(), namespace: z.string(), name: z.string() })),
  boundServices: z.array(serviceBinding),
  boundPods: z.array(podBinding),
  boundNamespaces: z.array(namespaceBinding),
  boundServiceEntries: z.array(serviceEntryBinding),
  boundWorkloadEntries: z.array(workloadEntryBinding),
  diagnostics: z.array(diagnostic),
});
export const problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
