/**
 * The use case behind every surface of the command grammar (the CLI, EventBridge commands,
 * ChatOps): parse the command, run the existing use cases it maps to, and answer a result model
 * that each surface renders its own way (`shared/commands/render.ts` for text, JSON and YAML).
 */

import {
  type Command,
  canaryTarget,
  DEFAULT_NAMESPACE,
  enrollCanaryMutation,
  labelTarget,
  namespaceOf,
  parseCommand,
  toMutation,
} from '../commands/grammar.ts';
import { TimeoutError, WaypointerError } from '../domain/errors.ts';
import { generateWaypoint, waypointManifest } from '../domain/generate.ts';
import type { Mutation } from '../domain/plan.ts';
import type { CommandOutcome, CommandRequest, CommandRunner } from '../ports.ts';
import type { Deps } from './deps.ts';
import { type Explanation, explainBinding } from './explain.ts';
import {
  type ApplyWaypointInput,
  applyWaypoint,
  type CanaryInput,
  changeCanary,
  type DeleteWaypointInput,
  deleteWaypoint,
  type EnrollInput,
  enroll,
  type MutationResult,
  type UnenrollInput,
  unenroll,
} from './mutations.ts';
import { type PlannedStep, previewPlan } from './preview.ts';
import {
  type BindingsPage,
  getClusterBindings,
  getNamespaceBindings,
  listWaypoints,
  type WaypointStatus,
  type WaypointSummary,
  waypointStatus,
} from './queries.ts';

type Input<F extends (deps: Deps, input: never) => unknown> = Parameters<F>[1];

/**
 * The use cases a command maps to: those of shared/app over a cluster (`useCasesOf`), or the same
 * answered by a deployed waypointer's REST API (shared/adapters/http).
 */
export interface CommandUseCases {
  applyWaypoint(input: ApplyWaypointInput): Promise<MutationResult>;
  deleteWaypoint(input: DeleteWaypointInput): Promise<MutationResult>;
  enroll(input: EnrollInput): Promise<MutationResult>;
  unenroll(input: UnenrollInput): Promise<MutationResult>;
  /** `enroll --canary`, `promote`, `rollback` (Istio 1.31+ canary waypoints). */
  changeCanary(input: CanaryInput): Promise<MutationResult>;
  listWaypoints(input: Input<typeof listWaypoints>): Promise<WaypointSummary[]>;
  waypointStatus(input: Input<typeof waypointStatus>): Promise<WaypointStatus>;
  getNamespaceBindings(input: Input<typeof getNamespaceBindings>): Promise<BindingsPage>;
  getClusterBindings(input: Input<typeof getClusterBindings>): Promise<BindingsPage>;
  previewPlan(input: Input<typeof previewPlan>): Promise<PlannedStep[]>;
  explainBinding(input: Input<typeof explainBinding>): Promise<Explanation>;
}

/** The use cases of shared/app, bound to their ports. */
export function useCasesOf(deps: Deps): CommandUseCases {
  return {
    applyWaypoint: (input) => applyWaypoint(deps, input),
    deleteWaypoint: (input) => deleteWaypoint(deps, input),
    enroll: (input) => enroll(deps, input),
    unenroll: (input) => unenroll(deps, input),
    changeCanary: (input) => changeCanary(deps, input),
    listWaypoints: (input) => listWaypoints(deps, input),
    waypointStatus: (input) => waypointStatus(deps, input),
    getNamespaceBindings: (input) => getNamespaceBindings(deps, input),
    getClusterBindings: (input) => getClusterBindings(deps, input),
    previewPlan: (input) => previewPlan(deps, input),
    explainBinding: (input) => explainBinding(deps, input),
  };
}

/** What one deleted name came to (istioctl prints `deleted` or `not found`, both exit 0). */
export interface DeletedWaypoint {
  readonly namespace: string;
  readonly name: string;
  readonly outcome: 'deleted' | 'not found' | 'planned';
  readonly result?: MutationResult;
}

/** The result model of each verb: what `-o json` prints. */
export type CommandResult =
  | { readonly verb: 'help'; readonly topic?: string }
  | { readonly verb: 'generate'; readonly gateway: Record<string, unknown> }
  | ({
      readonly verb: 'apply' | 'enroll' | 'unenroll' | 'promote' | 'rollback';
    } & MutationResult)
  | { readonly verb: 'delete'; readonly waypoints: readonly DeletedWaypoint[] }
  | {
      readonly verb: 'list';
      readonly namespace: string | null;
      readonly waypoints: readonly WaypointSummary[];
    }
  | {
      readonly verb: 'status';
      readonly namespace: string | null;
      readonly waypoints: readonly WaypointStatus[];
    }
  | ({ readonly verb: 'bindings'; readonly namespace: string | null } & BindingsPage)
  | ({ readonly verb: 'explain' } & Explanation)
  | { readonly verb: 'plan'; readonly steps: readonly PlannedStep[] };

/** A failure that still has a result to show (istioctl prints `applied` before a wait times out). */
class PartialFailure extends Error {
  readonly result: CommandResult;
  readonly failure: WaypointerError;
  constructor(result: CommandResult, failure: WaypointerError) {
    super(failure.message);
    this.result = result;
    this.failure = failure;
  }
}

/** The API's words for flags (`unenroll=true`), in the grammar's (`--unenroll`). */
function inGrammarWords(message: string): string {
  return message.replace(/\b(unenroll|force|overwrite)=true\b/g, '--$1');
}

interface Context {
  readonly cluster: string;
  readonly caller: CommandRequest['caller'];
  readonly namespace: string;
  readonly dryRun: boolean;
}

async function runApply(
  u: CommandUseCases,
  c: Context,
  command: Command & { verb: 'apply' },
): Promise<CommandResult> {
  try {
    const result = await u.applyWaypoint({
      caller: c.caller,
      cluster: c.cluster,
      namespace: c.namespace,
      name: command.name,
      ...(command.for === undefined ? {} : { for: command.for }),
      ...(command.revision === undefined ? {} : { revision: command.revision }),
      enrollNamespace: command.enrollNamespace,
      overwrite: command.overwrite,
      wait: command.wait,
      timeoutSeconds: command.timeoutSeconds,
      dryRun: c.dryRun,
    });
    return { verb: 'apply', ...result };
  } catch (error) {
    // The Gateway was applied before the wait timed out: istioctl has printed that already.
    if (error instanceof TimeoutError) {
      const done = [`waypoint ${c.namespace}/${command.name} applied`];
      throw new PartialFailure(
        { verb: 'apply', dryRun: false, done, warnings: [], plan: [] },
        error,
      );
    }
    throw error;
  }
}

async function runDelete(
  u: CommandUseCases,
  c: Context,
  command: Command & { verb: 'delete' },
): Promise<CommandResult> {
  let names = command.names;
  if (command.all || command.revision !== undefined) {
    const listed = await u.listWaypoints({
      caller: c.caller,
      cluster: c.cluster,
      namespace: c.namespace,
    });
    names = listed
      .filter((w) => command.revision === undefined || w.revision === command.revision)
      .map((w) => w.name);
  }
  const waypoints: DeletedWaypoint[] = [];
  for (const name of names) {
    try {
      const result = await u.deleteWaypoint({
        caller: c.caller,
        cluster: c.cluster,
        namespace: c.namespace,
        name,
        unenroll: command.unenroll,
        force: command.force,
        dryRun: c.dryRun,
      });
      waypoints.push({
        namespace: c.namespace,
        name,
        outcome: c.dryRun ? 'planned' : 'deleted',
        result,
      });
    } catch (error) {
      if (
        error instanceof WaypointerError &&
        error.name === 'NotFoundError' &&
        error.message.startsWith('waypoint ')
      ) {
        waypoints.push({ namespace: c.namespace, name, outcome: 'not found' });
        continue;
      }
      if (error instanceof WaypointerError && waypoints.length > 0)
        throw new PartialFailure({ verb: 'delete', waypoints }, error);
      throw error;
    }
  }
  return { verb: 'delete', waypoints };
}

async function runStatus(
  u: CommandUseCases,
  c: Context,
  command: Command & { verb: 'status' },
): Promise<CommandResult> {
  const namespace = command.allNamespaces ? undefined : c.namespace;
  const targets =
    command.name !== undefined && namespace !== undefined
      ? [{ namespace, name: command.name }]
      : (
          await u.listWaypoints({
            caller: c.caller,
            cluster: c.cluster,
            ...(namespace === undefined ? {} : { namespace }),
          })
        )
          .filter((w) => command.name === undefined || w.name === command.name)
          .map((w) => ({ namespace: w.namespace, name: w.name }));
  const waypoints: WaypointStatus[] = [];
  for (const target of targets) {
    try {
      waypoints.push(
        await u.waypointStatus({
          caller: c.caller,
          cluster: c.cluster,
          ...target,
          wait: command.wait,
          timeoutSeconds: command.timeoutSeconds,
        }),
      );
    } catch (error) {
      if (error instanceof TimeoutError)
        // istioctl's words; the rows it buffered are never flushed.
        throw new TimeoutError(
          `failed to print waypoint status: timed out while retrieving status for waypoint\t${target.namespace}/${target.name}`,
          { cause: error },
        );
      throw error;
    }
  }
  return { verb: 'status', namespace: namespace ?? null, waypoints };
}

async function runBindings(
  u: CommandUseCases,
  c: Context,
  command: Command & { verb: 'bindings' },
): Promise<CommandResult> {
  if (!command.allNamespaces) {
    const page = await u.getNamespaceBindings({
      caller: c.caller,
      cluster: c.cluster,
      namespace: c.namespace,
    });
    return { verb: 'bindings', namespace: c.namespace, ...page };
  }
  const all = {
    services: [],
    pods: [],
    namespaces: [],
    diagnostics: [],
    serviceEntries: [],
    workloadEntries: [],
  } as {
    [K in keyof Omit<BindingsPage, 'nextCursor'>]: BindingsPage[K][number][];
  };
  let cursor: string | undefined;
  do {
    const page = await u.getClusterBindings({
      caller: c.caller,
      cluster: c.cluster,
      limit: 500,
      ...(cursor === undefined ? {} : { cursor }),
    });
    all.services.push(...page.services);
    all.pods.push(...page.pods);
    all.namespaces.push(...page.namespaces);
    all.diagnostics.push(...page.diagnostics);
    all.serviceEntries.push(...page.serviceEntries);
    all.workloadEntries.push(...page.workloadEntries);
    // A server that ignores the cursor would answer the same page forever.
    cursor = page.nextCursor === cursor ? undefined : page.nextCursor;
  } while (cursor !== undefined);
  return { verb: 'bindings', namespace: null, ...all };
}

function runGenerate(command: Command & { verb: 'generate' }): CommandResult {
  try {
    const gateway = generateWaypoint({
      ...(command.namespace === undefined ? {} : { namespace: command.namespace }),
      ...(command.name === undefined ? {} : { name: command.name }),
      ...(command.for === undefined ? {} : { for: command.for }),
      ...(command.revision === undefined ? {} : { revision: command.revision }),
    });
    return { verb: 'generate', gateway: waypointManifest(gateway) };
  } catch (error) {
    // istioctl wraps makeGateway's errors this way.
    if (error instanceof WaypointerError)
      throw new WaypointerError(`failed to create gateway: ${error.message}`, { cause: error });
    throw error;
  }
}

async function execute(u: CommandUseCases, c: Context, command: Command): Promise<CommandResult> {
  const base = { caller: c.caller, cluster: c.cluster };
  switch (command.verb) {
    case 'help':
      return command.topic === undefined
        ? { verb: 'help' }
        : { verb: 'help', topic: command.topic };
    case 'generate':
      return runGenerate(command);
    case 'apply':
      return runApply(u, c, command);
    case 'delete':
      return runDelete(u, c, command);
    case 'enroll': {
      if (command.canary !== undefined) {
        const mutation = enrollCanaryMutation(command, c.namespace);
        return {
          verb: 'enroll',
          ...(await u.changeCanary({
            ...base,
            mutation,
            overwrite: command.overwrite,
            dryRun: c.dryRun,
          })),
        };
      }
      const result = await u.enroll({
        ...base,
        target: labelTarget(command.target, c.namespace),
        waypoint: command.waypoint as string,
        ...(command.waypointNamespace === undefined
          ? {}
          : { waypointNamespace: command.waypointNamespace }),
        overwrite: command.overwrite,
        force: command.force,
        dryRun: c.dryRun,
      });
      return { verb: 'enroll', ...result };
    }
    case 'unenroll': {
      const target = labelTarget(command.target, c.namespace);
      return { verb: 'unenroll', ...(await u.unenroll({ ...base, target, dryRun: c.dryRun })) };
    }
    case 'promote':
    case 'rollback': {
      const target = canaryTarget(command.target, c.namespace);
      const op = command.verb === 'promote' ? 'promoteCanary' : 'rollbackCanary';
      const mutation = { op, target } as const;
      const result = await u.changeCanary({ ...base, mutation, dryRun: c.dryRun });
      return { verb: command.verb, ...result };
    }
    case 'list': {
      const namespace = command.allNamespaces ? undefined : c.namespace;
      const waypoints = await u.listWaypoints({
        ...base,
        ...(namespace === undefined ? {} : { namespace }),
      });
      return { verb: 'list', namespace: namespace ?? null, waypoints };
    }
    case 'status':
      return runStatus(u, c, command);
    case 'bindings':
      return runBindings(u, c, command);
    case 'explain':
      return {
        verb: 'explain',
        ...(await u.explainBinding({
          ...base,
          namespace: c.namespace,
          kind: command.kind,
          name: command.name,
        })),
      };
    case 'plan': {
      const mutations: Mutation[] = command.steps.flatMap((step) =>
        step.verb === 'delete' && step.names.length > 1
          ? step.names.map((name) => toMutation({ ...step, names: [name] }, c.namespace))
          : [toMutation(step, c.namespace)],
      );
      return { verb: 'plan', steps: await u.previewPlan({ ...base, mutations }) };
    }
  }
}

/** A command as a record: its verb and options (the parsed model, JSON-serialisable). */
function recordOf(
  command: Command | undefined,
  input: CommandRequest['command'],
): Record<string, unknown> {
  if (command !== undefined) return { ...command };
  return typeof input === 'string'
    ? { text: input }
    : Array.isArray(input)
      ? { words: [...input] }
      : { ...input };
}

/**
 * Runs one command with the use cases given (those of a cluster, or a deployed API's).
 * Never throws for a command that fails as commands fail: the outcome carries the error.
 */
export async function runCommandWith(
  useCases: CommandUseCases,
  request: CommandRequest,
): Promise<CommandOutcome> {
  let command: Command | undefined;
  try {
    command = parseCommand(request.command);
    const context: Context = {
      cluster: command.cluster ?? request.cluster,
      caller: request.caller,
      namespace: namespaceOf(
        command as { namespace?: string },
        request.defaultNamespace ?? DEFAULT_NAMESPACE,
      ),
      dryRun: command.dryRun || request.dryRun === true,
    };
    const result = await execute(useCases, context, command);
    return { exitCode: 0, command: recordOf(command, request.command), result };
  } catch (error) {
    const failure = error instanceof PartialFailure ? error.failure : error;
    if (
      !(failure instanceof WaypointerError) &&
      typeof (failure as NodeJS.ErrnoException)?.syscall !== 'string'
    )
      throw error;
    const { name, message } = failure as Error;
    return {
      exitCode: 1,
      command: recordOf(command, request.command),
      result: error instanceof PartialFailure ? error.result : null,
      error: { type: name, message: inGrammarWords(message) },
    };
  }
}

/**
 * Runs one command of the grammar against the clusters of `deps`.
 *
 * @example
 * await runCommand(deps, { cluster: 'prod', command: 'list -A', caller });
 * // { exitCode: 0, command: { verb: 'list', allNamespaces: true, ... }, result: { verb: 'list', ... } }
 */
export function runCommand(deps: Deps, request: CommandRequest): Promise<CommandOutcome> {
  return runCommandWith(useCasesOf(deps), request);
}

/** The CommandRunner port, over `runCommand`. */
export function commandRunner(deps: Deps): CommandRunner {
  return { run: (request) => runCommand(deps, request) };
}
