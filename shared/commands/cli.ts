/**
 * The `waypointer` command line: parses argv, runs one command, writes its output. I/O comes in
 * through {@link CliIo}, so the same code runs from `bin/waypointer.ts` and from tests.
 */

import { BindingContext, computeBindings } from '../domain/bindings.ts';
import { diagnose } from '../domain/diagnostics.ts';
import { WaypointerError } from '../domain/errors.ts';
import { generateWaypoint, renderWaypointYaml } from '../domain/generate.ts';
import { plan } from '../domain/plan.ts';
import { parseSnapshot } from '../schemas/kubernetes.ts';
import { eksTokenCommand } from './eks-token.ts';
import { bindingsReport, formatBindings, formatChanges } from './format.ts';
import { parseFlags, parseGenerate, parseMutation, UsageError } from './grammar.ts';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Reads a file, or standard input for `-`. */
  readonly readInput: (path: string) => Promise<string>;
  /** The process environment (AWS credentials and region for `eks-token`). */
  readonly env: Record<string, string | undefined>;
}

export const HELP = `waypointer: waypoint management for Istio ambient mesh

Usage:
  waypointer generate [-n NS] [--name NAME] [--for service|workload|all|none] [-r REV]
      Print the waypoint Gateway, exactly as \`istioctl waypoint generate\` does.
  waypointer bindings -f FILE|- [-o table|json]
      Show which waypoint every Service and Pod is bound to, with diagnostics. FILE is what
      \`kubectl get namespaces,services,pods,gateways.gateway.networking.k8s.io,gatewayclasses.gateway.networking.k8s.io -A -o json\`
      prints (JSON or YAML; one List or several documents).
  waypointer plan -f FILE|- [-o table|json] MUTATION
      Print the binding changes MUTATION would cause, without changing anything. MUTATION is one of:
        apply [-n NS] [--name NAME] [--for TYPE] [-r REV] [--enroll-namespace [--overwrite]]
        delete NAME [-n NS] [--unenroll]
        enroll namespace [NS] | service NAME | pod NAME... | pods -l SELECTOR  [-n NS] --waypoint W [--waypoint-namespace WNS]
        unenroll namespace [NS] | service NAME | pod NAME... | pods -l SELECTOR  [-n NS]
  waypointer eks-token --cluster-name NAME [--region R]
      Print the ExecCredential \`aws eks get-token\` prints for the same credentials: a bearer token
      for an EKS cluster, usable as a kubeconfig exec plugin.
  waypointer serve [--port N] [--data-dir DIR] [--seed bookinfo|empty|FILE] [--kubeconfig PATH [--context C]]
      Serve the HTTP API locally over the embedded Kubernetes cluster (or a real one).
  waypointer cluster [--port N] [--seed bookinfo|empty|FILE] [--kubeconfig-out FILE] [--audit-webhook URL]
                     [--audit-log FILE] [--ready-delay MS] [--fault-rate R] [--keep-unready NS/NAME|'*']...
      Run the embedded Kubernetes API server alone (\`waypointer cluster --help\` says more).
  waypointer invoke http-api|audit-ingest|reconcile|scheduled-sweep --event FILE
      Run one function once on a sample event (events/) against the embedded stack.
  waypointer help
`;

type Output = 'table' | 'json';

const inputOptions = {
  filename: { type: 'string', short: 'f' },
  output: { type: 'string', short: 'o' },
} as const;

function outputOf(value: string | boolean | undefined): Output {
  if (value === undefined || value === 'table') return 'table';
  if (value === 'json') return 'json';
  throw new UsageError(`unknown output format "${String(value)}": use table or json`, [
    { path: '-o', message: 'must be table or json' },
  ]);
}

async function readSnapshot(
  io: CliIo,
  file: string | boolean | undefined,
): Promise<ReturnType<typeof parseSnapshot>> {
  if (typeof file !== 'string' || file === '') {
    throw new UsageError('-f FILE is required (use - for standard input)', [
      { path: '-f', message: 'Required' },
    ]);
  }
  const parsed = parseSnapshot(await io.readInput(file), file === '-' ? 'stdin' : file);
  for (const [kind, count] of parsed.ignored)
    io.stderr(`note: ignored ${count} object(s) of kind ${kind}\n`);
  return parsed;
}

async function bindingsCommand(args: readonly string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseFlags(args, inputOptions);
  if (positionals.length > 0) throw new UsageError(`unknown argument "${positionals[0]}"`);
  const output = outputOf(values.output);
  const { snapshot } = await readSnapshot(io, values.filename);
  const context = new BindingContext(snapshot);
  const report = bindingsReport(computeBindings(snapshot, context), diagnose(snapshot, context));
  io.stdout(output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatBindings(report));
}

const PLAN_FLAGS = new Set(['-f', '--filename', '-o', '--output']);
const BOOLEAN_FLAGS = new Set(['--enroll-namespace', '--overwrite', '--unenroll']);

/**
 * Splits `plan`'s own flags (`-f`, `-o`) from the mutation: the first word that is no flag and no
 * flag's value is the verb, and any other flag given before it moves after it.
 */
function splitPlanArgs(args: readonly string[]): { own: string[]; mutation: string[] } {
  const own: string[] = [];
  const early: string[] = [];
  let i = 0;
  while (i < args.length) {
    const arg = args[i] as string;
    if (!arg.startsWith('-')) break;
    const takesValue =
      !arg.includes('=') && !BOOLEAN_FLAGS.has(arg) && /^(-[a-zA-Z]|--[\w-]+)$/.test(arg);
    const group = takesValue ? args.slice(i, i + 2) : [arg];
    const name = arg.split('=')[0] as string;
    (PLAN_FLAGS.has(name) || /^-[fo]./.test(arg) ? own : early).push(...group);
    i += group.length;
  }
  const [verb, ...rest] = args.slice(i);
  return { own, mutation: verb === undefined ? early : [verb, ...early, ...rest] };
}

async function planCommand(args: readonly string[], io: CliIo): Promise<void> {
  const { own, mutation: words } = splitPlanArgs(args);
  const { values } = parseFlags(own, inputOptions);
  const output = outputOf(values.output);
  const mutation = parseMutation(words);
  const { snapshot } = await readSnapshot(io, values.filename);
  const result = plan(snapshot, mutation);
  if (output === 'json') {
    io.stdout(
      `${JSON.stringify({ mutation, warnings: result.warnings, changes: result.changes }, null, 2)}\n`,
    );
    return;
  }
  for (const warning of result.warnings) io.stdout(`⚠️ Warning: ${warning}\n`);
  io.stdout(formatChanges(result.changes));
}

function generateCommand(args: readonly string[], io: CliIo): void {
  const options = parseGenerate(args);
  let gateway: ReturnType<typeof generateWaypoint>;
  try {
    gateway = generateWaypoint(options);
  } catch (error) {
    // istioctl wraps makeGateway's errors this way.
    if (error instanceof WaypointerError)
      throw new WaypointerError(`failed to create gateway: ${error.message}`);
    throw error;
  }
  io.stdout(renderWaypointYaml(gateway));
}

/**
 * Runs one command line and returns the process exit code: 0 on success, 1 on any error (printed
 * to stderr as `Error: <message>`, as istioctl does).
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...args] = argv;
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(HELP);
    return 0;
  }
  try {
    switch (command) {
      case 'generate':
        generateCommand(args, io);
        return 0;
      case 'bindings':
        await bindingsCommand(args, io);
        return 0;
      case 'plan':
        await planCommand(args, io);
        return 0;
      case 'eks-token':
        return await eksTokenCommand(args, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(HELP);
        return 0;
      default:
        throw new UsageError(
          `unknown command "${command}" for "waypointer"; run \`waypointer help\``,
        );
    }
  } catch (error) {
    if (error instanceof WaypointerError) {
      io.stderr(`Error: ${error.message}\n`);
      return 1;
    }
    if (typeof (error as NodeJS.ErrnoException).syscall === 'string') {
      // A file that cannot be read: ENOENT, EISDIR, EACCES...
      io.stderr(`Error: ${(error as Error).message}\n`);
      return 1;
    }
    throw error;
  }
}
