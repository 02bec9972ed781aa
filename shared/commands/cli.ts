/**
 * The `waypointer` command line: parses argv with the shared grammar, connects to a cluster (a
 * kubeconfig, as istioctl and client-go find it; a deployed waypointer with `--api`; or a snapshot
 * file with `-f`), runs the command through `runCommand`, and prints the outcome. I/O comes in
 * through {@link CliIo}, so the same code runs from `bin/waypointer.ts` and from tests.
 */
import { userInfo } from 'node:os';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { KubeConfig } from '@kubernetes/client-node';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { ApiClient, apiClusters, apiUseCases } from '../adapters/http/api-use-cases.ts';
import { KubernetesCluster } from '../adapters/kubernetes/cluster.ts';
import { StaticClusterRegistry, withIstioVersion } from '../adapters/kubernetes/registry.ts';
import { type Policy, policyAuthorizer } from '../app/authorization.ts';
import { type CommandUseCases, runCommandWith, useCasesOf } from '../app/run-command.ts';
import { WaypointerError } from '../domain/errors.ts';
import type { MeshConfig } from '../domain/model.ts';
import type { Caller, Cluster } from '../ports.ts';
import { parseMeshConfigFile, parseSnapshot } from '../schemas/kubernetes.ts';
import { eksTokenCommand } from './eks-token.ts';
import {
  type Command,
  type Connection,
  DEFAULT_NAMESPACE,
  parseCommandLine,
  UsageError,
} from './grammar.ts';
import { renderOutcome } from './render.ts';
import { slackCommand } from './slack-command.ts';
import { SnapshotCluster } from './snapshot-cluster.ts';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Reads a file, or standard input for `-`. */
  readonly readInput: (path: string) => Promise<string>;
  /** The process environment (AWS credentials and region for `eks-token` and `--api`). */
  readonly env: Record<string, string | undefined>;
  /** Credentials to sign `--api` requests with (default: the AWS SDK's Node provider chain). */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Options of the Kubernetes adapter (tests poll faster). */
  readonly kubernetes?: ConstructorParameters<typeof KubernetesCluster>[1];
}

export const HELP = `waypointer: waypoint management for Istio ambient mesh

Usage: waypointer COMMAND [flags]

Commands (istioctl waypoint's words and flags where it has them):
  generate [-n NS] [--name N] [--for service|workload|all|none] [-r REV]
      Print the waypoint Gateway, exactly as \`istioctl waypoint generate\` does.
  apply [-n NS] [--name N] [--for T] [-r REV] [--enroll-namespace] [--overwrite] [-w|--wait] [--waypoint-timeout D]
      Apply a waypoint (server-side apply); optionally wait for Programmed and enroll the namespace.
  list [-n NS | -A]
      List waypoints: NAME, REVISION, TRAFFIC TYPE, PROGRAMMED.
  status [NAME] [-n NS | -A] [--wait=false] [--waypoint-timeout D]
      Show each waypoint's Programmed condition (waits for it, as istioctl does, unless --wait=false).
  delete NAME... | --all | -r REV  [-n NS] [--unenroll] [--force]
      Delete waypoints; refused while objects use one, unless --unenroll (remove their labels) or --force.
  enroll namespace [NS] | service NAME | serviceentry NAME | workloadentry NAME | pod NAME... | pods -l SELECTOR  --waypoint W [--waypoint-namespace NS2] [-n NS] [--overwrite] [--force]
      Set istio.io/use-waypoint (and istio.io/use-waypoint-namespace); --waypoint none opts out.
  enroll namespace [NS] | service NAME | serviceentry NAME  --canary C [--canary-namespace NS2] [--weight N] [-n NS] [--overwrite]
      Istio 1.31+: a canary waypoint beside the waypoint, taking N% of the connections
      (istio.io/use-waypoint-canary, -namespace, annotation istio.io/use-waypoint-canary-weight).
  promote | rollback  namespace [NS] | service NAME | serviceentry NAME  [-n NS]
      The canary becomes the waypoint (promote), or is dropped (rollback); its labels go.
  unenroll namespace [NS] | service NAME | serviceentry NAME | workloadentry NAME | pod NAME... | pods -l SELECTOR  [-n NS]
      Remove both labels.
  bindings [-n NS | -A]
      Which waypoint every Service and Pod is bound to, and what is wrong.
  explain service/NAME | pod/NAME | serviceentry/NAME | workloadentry/NAME [-n NS]
      Why: the label that decided, Istio's rule, the WaypointBound condition, what to change.
  plan MUTATION [; MUTATION]...
      Preview mutations (apply, delete, enroll, unenroll) in sequence, each on the state the one
      before leaves; nothing changes. Quote the whole list or each ';'.
  eks-token --cluster-name NAME [--region R]
      Print the ExecCredential \`aws eks get-token\` prints (a kubeconfig exec plugin).
  serve | cluster | invoke | demo
      The local stack (\`waypointer serve --help\`, \`waypointer cluster --help\`); demo replays
      Istio's "Configure waypoint proxies" on a fresh one (\`npm run demo\`).
  help

Flags of every command:
  -n, --namespace NS      the namespace (default: the kubeconfig context's, else default)
  -o, --output FORMAT     table (default), json or yaml
      --dry-run           plan only: print the binding changes, change nothing
      --cluster NAME      the cluster (a name of the deployment with --api)
  -c, --kubeconfig FILE   the kubeconfig (default: $KUBECONFIG, then ~/.kube/config)
      --context CTX       the kubeconfig context (default: its current context)
      --api URL           a deployed waypointer's API instead (requests signed with SigV4)
      --istio-version V   the Istio version whose rules apply: 1.30 or 1.31 (default 1.31)
      --mesh-config FILE  istiod's MeshConfig (its YAML, or the istio ConfigMap) instead of the
                          cluster's: discoverySelectors, serviceEntryVisibility, revision
  -f, --filename FILE|-   a snapshot instead: what \`kubectl get namespaces,services,pods,
                          gateways.gateway.networking.k8s.io,gatewayclasses.gateway.networking.k8s.io
                          -A -o json\` prints (read and preview only)
`;

/**
 * The command line's policy: every action, protected namespaces included. The user's own
 * Kubernetes rights apply (their kubeconfig), or the deployment's policy with --api.
 */
const CLI_POLICY: Policy = {
  version: 1,
  allowProtectedNamespaces: true,
  rules: [{ subjects: ['*'], role: 'admin', clusters: ['*'], namespaces: ['*'] }],
};

/** What a command runs against. */
interface Target {
  readonly useCases: CommandUseCases;
  readonly cluster: string;
  readonly defaultNamespace: string;
}

function deps(name: string, cluster: Cluster, connection: Connection): CommandUseCases {
  const { istioVersion } = connection;
  const versioned = istioVersion === undefined ? cluster : withIstioVersion(cluster, istioVersion);
  return useCasesOf({
    clusters: new StaticClusterRegistry({ [name]: versioned }),
    authorizer: policyAuthorizer(CLI_POLICY),
  });
}

// biome-ignore lint/complexity/noExcessiveCognitiveComplexity: the three connection kinds, side by side
async function connect(command: Command, connection: Connection, io: CliIo): Promise<Target> {
  if (connection.api !== undefined) {
    if (connection.kubeconfig !== undefined || connection.filename !== undefined)
      throw new UsageError('--api goes without --kubeconfig and -f');
    if (connection.istioVersion !== undefined)
      throw new UsageError(
        "--api goes without --istio-version: the deployment's configuration names each cluster's version",
      );
    if (connection.meshConfig !== undefined)
      throw new UsageError(
        "--api goes without --mesh-config: the deployment reads each cluster's MeshConfig",
      );
    const client = new ApiClient({
      url: connection.api,
      credentials: io.credentials ?? fromNodeProviderChain(),
      ...(io.env.AWS_REGION === undefined ? {} : { region: io.env.AWS_REGION }),
    });
    let cluster = command.cluster;
    if (cluster === undefined) {
      const names = await apiClusters(client);
      if (names.length !== 1)
        throw new UsageError(
          `name the cluster with --cluster: the API manages ${names.join(', ') || 'none'}`,
        );
      cluster = names[0] as string;
    }
    return { useCases: apiUseCases(client), cluster, defaultNamespace: DEFAULT_NAMESPACE };
  }
  if (connection.filename !== undefined) {
    const file = connection.filename;
    const parsed = parseSnapshot(await io.readInput(file), file === '-' ? 'stdin' : file);
    for (const [kind, count] of parsed.ignored)
      io.stderr(`note: ignored ${count} object(s) of kind ${kind}\n`);
    const cluster = command.cluster ?? 'file';
    const mesh = await meshConfigFile(connection, io);
    const snapshot =
      mesh === undefined ? parsed.snapshot : { ...parsed.snapshot, meshConfig: mesh };
    return {
      useCases: deps(cluster, new SnapshotCluster(snapshot), connection),
      cluster,
      defaultNamespace: DEFAULT_NAMESPACE,
    };
  }
  const kc = new KubeConfig();
  try {
    if (connection.kubeconfig === undefined) kc.loadFromDefault();
    else kc.loadFromFile(connection.kubeconfig);
  } catch (error) {
    throw new UsageError(`cannot read the kubeconfig: ${(error as Error).message}`);
  }
  if (connection.context !== undefined) {
    if (kc.getContextObject(connection.context) === null)
      throw new UsageError(`context "${connection.context}" does not exist`);
    kc.setCurrentContext(connection.context);
  }
  // istioctl's default namespace: the context's namespace, else default (option.go).
  const namespace = kc.getContextObject(kc.getCurrentContext())?.namespace || DEFAULT_NAMESPACE;
  const cluster = command.cluster ?? (kc.getCurrentContext() || 'kubeconfig');
  const mesh = await meshConfigFile(connection, io);
  const options = { ...io.kubernetes, ...(mesh === undefined ? {} : { meshConfig: mesh }) };
  return {
    useCases: deps(cluster, new KubernetesCluster(kc, options), connection),
    cluster,
    defaultNamespace: namespace,
  };
}

/** `--mesh-config FILE`, read and parsed (docs/istio-semantics.md §15.1); undefined without it. */
async function meshConfigFile(connection: Connection, io: CliIo): Promise<MeshConfig | undefined> {
  const file = connection.meshConfig;
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = await io.readInput(file);
  } catch (error) {
    throw new UsageError(`cannot read --mesh-config ${file}: ${(error as Error).message}`);
  }
  return parseMeshConfigFile(text, file);
}

/** Commands that never touch a cluster. */
const OFFLINE = new Set<Command['verb']>(['help', 'generate']);

function caller(): Caller {
  let name = 'user';
  try {
    name = userInfo().username;
  } catch {
    // No user database entry (some containers): keep the generic name.
  }
  return { id: `local:${name}`, kind: 'local' };
}

const NO_CLUSTER = {} as CommandUseCases;

/**
 * Runs one command line and returns the process exit code: 0 on success, 1 on any error (printed
 * to stderr as `Error: <message>`, as istioctl does).
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    if (argv[0] === 'eks-token') return await eksTokenCommand(argv.slice(1), io);
    if (argv[0] === 'slack') return await slackCommand(argv.slice(1), io);
    const { command, connection } = parseCommandLine(argv);
    const target = OFFLINE.has(command.verb)
      ? { useCases: NO_CLUSTER, cluster: '', defaultNamespace: DEFAULT_NAMESPACE }
      : await connect(command, connection, io);
    const outcome = await runCommandWith(target.useCases, {
      cluster: target.cluster,
      command: { ...command },
      caller: caller(),
      defaultNamespace: target.defaultNamespace,
    });
    const { stdout, stderr } = renderOutcome(outcome, command.output, HELP);
    if (stdout !== '') io.stdout(stdout);
    if (stderr !== '') io.stderr(stderr);
    return outcome.exitCode;
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
