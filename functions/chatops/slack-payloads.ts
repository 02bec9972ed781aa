/**
 * What Slack sends the ChatOps ingress (a slash command's form; an interaction's `payload`), what
 * the ingress hands the worker (a job on the ChatOps queue), and the Slack caller: zod schemas and
 * the rules both sides share.
 */
import { z } from 'zod';
import type { Command } from '../../shared/commands/grammar.ts';
import { labelTarget, namespaceOf } from '../../shared/commands/grammar.ts';
import type { Action, Caller, Scope } from '../../shared/ports.ts';

/** Slack's ids: teams `T…`, channels `C…`/`G…`/`D…`, users `U…`/`W…`. */
const slackId = z.string().regex(/^[A-Z0-9]{2,32}$/, 'not a Slack id');
const responseUrl = z.url({ protocol: /^https?$/ });

/**
 * A slash command's form (`application/x-www-form-urlencoded`, bolt-js's `SlashCommand`); fields
 * waypointer does not use (`token`, `api_app_id`, ...) are ignored.
 */
export const slashCommandSchema = z.object({
  command: z.string().min(1),
  text: z.string().max(2000, 'the command is too long: at most 2,000 characters').default(''),
  team_id: slackId,
  channel_id: slackId,
  user_id: slackId,
  response_url: responseUrl,
  trigger_id: z.string().min(1).max(100),
});
/** A slash command, validated. */
export type SlashCommand = z.infer<typeof slashCommandSchema>;

/** What a confirmation button carries: the pending command (at most 2,000 characters). */
export const pendingSchema = z.strictObject({
  /** The command job's id: the key of the decision, recorded once. */
  i: z.string().min(1).max(128),
  /** Cluster, default namespace, command text, who asked, when planned (epoch seconds). */
  c: z.string().min(1),
  n: z.string().min(1).optional(),
  t: z.string(),
  u: slackId,
  e: z.number().int(),
});
/** A pending destructive command. */
export type Pending = z.infer<typeof pendingSchema>;

/** How long a plan may be confirmed: a response_url's lifetime. */
export const PENDING_SECONDS = 30 * 60;

/** A `block_actions` interaction (the payload form field, JSON), as waypointer's buttons send it. */
export const interactionSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: slackId }),
  team: z.object({ id: slackId }),
  channel: z.object({ id: slackId }),
  response_url: responseUrl,
  actions: z
    .array(z.object({ action_id: z.string(), value: z.string().max(2000) }))
    .length(1, 'one action at a time'),
});
/** An interaction, validated. */
export type Interaction = z.infer<typeof interactionSchema>;

const where = {
  team: slackId,
  channel: slackId,
  user: slackId,
  responseUrl,
  cluster: z.string().min(1),
  namespace: z.string().min(1).optional(),
  text: z.string(),
};

/** A job of the ChatOps queue: a command to run, or the decision on a planned one. */
export const jobSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('command'), id: z.string().min(1).max(128), ...where }),
  z.strictObject({
    kind: z.literal('decision'),
    id: z.string().min(1).max(128),
    decision: z.enum(['confirm', 'cancel']),
    ...where,
  }),
]);
/** A job of the ChatOps queue. */
export type ChatOpsJob = z.infer<typeof jobSchema>;

/** The queue of ChatOps jobs (SQS FIFO, one group per channel). */
export interface ChatOpsQueue {
  send(job: ChatOpsJob): Promise<void>;
}

/**
 * The caller a Slack user is: `slack:<team>/<channel>/<user>`, so that a policy rule can name a
 * user anywhere (`slack:T1/*\/U2`), everyone in a channel (`slack:T1/C3/*`) or a workspace
 * (`slack:T1/*`).
 *
 * @example
 * slackCaller('T1DC2JH3J', 'G8PSS9T3V', 'U2CERLKJA'); // { id: 'slack:T1DC2JH3J/G8PSS9T3V/U2CERLKJA', kind: 'slack' }
 */
export function slackCaller(team: string, channel: string, user: string): Caller {
  return { id: `slack:${team}/${channel}/${user}`, kind: 'slack' };
}

/**
 * Whether a command needs a confirmation before it runs: it deletes, removes labels, or replaces
 * what someone else set (`--overwrite`). A dry run never does.
 */
export function isDestructive(command: Command): boolean {
  if (command.dryRun) return false;
  switch (command.verb) {
    case 'delete':
    case 'unenroll':
    case 'promote':
    case 'rollback':
      return true;
    case 'enroll':
    case 'apply':
      return command.overwrite;
    default:
      return false;
  }
}

/**
 * What a command needs of its caller, checked at the door (the use cases check again, in every
 * namespace they touch): `undefined` for commands that read no cluster (help, generate).
 */
export function accessOf(
  command: Command,
  cluster: string,
  defaultNamespace: string,
): { action: Action; scope: Scope } | undefined {
  const namespace = namespaceOf(command as { namespace?: string }, defaultNamespace);
  switch (command.verb) {
    case 'help':
    case 'generate':
      return undefined;
    case 'list':
    case 'status':
    case 'bindings':
      return {
        action: 'read',
        scope: command.allNamespaces ? { cluster } : { cluster, namespace },
      };
    case 'explain':
    case 'plan':
      return { action: 'read', scope: { cluster, namespace } };
    case 'delete':
      return { action: command.force ? 'force-delete' : 'mutate', scope: { cluster, namespace } };
    case 'apply':
      return { action: 'mutate', scope: { cluster, namespace } };
    case 'enroll':
    case 'unenroll':
    case 'promote':
    case 'rollback':
      return {
        action: 'mutate',
        scope: { cluster, namespace: labelTarget(command.target, namespace).namespace },
      };
  }
}
