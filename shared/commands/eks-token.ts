/**
 * `waypointer eks-token`: the kubeconfig `exec` credential plugin that prints what
 * `aws eks get-token --output json` prints (an ExecCredential holding an EKS bearer token), without
 * the AWS CLI. Argument parsing, the environment (region, credentials, KUBERNETES_EXEC_INFO) and
 * the ExecCredential output live here; signing the token is the adapter's
 * (shared/adapters/kubernetes/eks-auth.ts).
 */

import { parseArgs } from 'node:util';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { systemClock } from '../adapters/clock.ts';
import { type EksCredentials, eksToken } from '../adapters/kubernetes/eks-auth.ts';
import type { Clock } from '../ports.ts';

/** The default ExecCredential API version, as `aws eks get-token` uses without KUBERNETES_EXEC_INFO. */
export const DEFAULT_EXEC_API_VERSION = 'client.authentication.k8s.io/v1beta1';

/** The `client.authentication.k8s.io` ExecCredential an exec credential plugin prints. */
export interface ExecCredential {
  readonly kind: 'ExecCredential';
  readonly apiVersion: string;
  readonly spec: Record<string, never>;
  readonly status: { readonly expirationTimestamp: string; readonly token: string };
}

/** `%Y-%m-%dT%H:%M:%SZ` in UTC, the CLI's `expirationTimestamp` format (no fraction). */
export function formatExpirationTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * The ExecCredential `aws eks get-token` prints, with its key order. `apiVersion` should be the one
 * KUBERNETES_EXEC_INFO asks for (see {@link execApiVersion}); reading the environment is the
 * caller's business.
 */
export function execCredential(
  token: string,
  expiresAt: Date,
  apiVersion: string = DEFAULT_EXEC_API_VERSION,
): ExecCredential {
  return {
    kind: 'ExecCredential',
    apiVersion,
    spec: {},
    status: { expirationTimestamp: formatExpirationTimestamp(expiresAt), token },
  };
}

/**
 * The ExecCredential as `aws eks get-token --output json` writes it: Python's
 * `json.dump(indent=4)` plus a newline (awscli `formatter.py` `JSONFormatter`), then another
 * newline (`get_token.py` `uni_print('\n')`).
 */
export function formatExecCredential(credential: ExecCredential): string {
  return `${JSON.stringify(credential, null, 4)}\n\n`;
}

const SUPPORTED_EXEC_API_VERSIONS = [
  'client.authentication.k8s.io/v1',
  'client.authentication.k8s.io/v1beta1',
];
const DEPRECATED_EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1alpha1'];

/**
 * The ExecCredential API version for a KUBERNETES_EXEC_INFO value, with `get_token.py`'s
 * `discover_api_version` rules and messages: unset or empty → v1beta1; malformed or unknown →
 * v1beta1 and a warning; v1alpha1 → v1alpha1 and a deprecation warning.
 */
export function execApiVersion(
  execInfo: string | undefined,
  warn: (message: string) => void = () => {},
): string {
  const fallback = DEFAULT_EXEC_API_VERSION;
  if (!execInfo) return fallback;
  let apiVersion: unknown;
  try {
    apiVersion = (JSON.parse(execInfo) as { apiVersion?: unknown } | null)?.apiVersion;
  } catch {
    warn(
      `Error parsing KUBERNETES_EXEC_INFO, defaulting to ${fallback}. This is likely a bug in your Kubernetes client. Please update your Kubernetes client.`,
    );
    return fallback;
  }
  if (typeof apiVersion === 'string' && SUPPORTED_EXEC_API_VERSIONS.includes(apiVersion)) {
    return apiVersion;
  }
  if (typeof apiVersion === 'string' && DEPRECATED_EXEC_API_VERSIONS.includes(apiVersion)) {
    warn(
      `Kubeconfig user entry is using deprecated API version ${apiVersion}. Run 'aws eks update-kubeconfig' to update.`,
    );
    return apiVersion;
  }
  warn(
    `Unrecognized API version in KUBERNETES_EXEC_INFO, defaulting to ${fallback}. This is likely due to an outdated AWS CLI. Please update your AWS CLI.`,
  );
  return fallback;
}

/** Standard streams, environment and (for tests) clock of {@link eksTokenCommand}. */
export interface EksTokenCommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly env: Record<string, string | undefined>;
  /** The signing time comes from it; defaults to {@link systemClock}. */
  readonly clock?: Clock;
}

/**
 * The credentials the default Node provider chain would pick, with its first link (static
 * AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, skipped when AWS_PROFILE is set)
 * read from `env` instead of `process.env`; otherwise `fromNodeProviderChain()`.
 */
export function credentialsFromEnv(env: Record<string, string | undefined>): EksCredentials {
  const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE } = env;
  if (!AWS_PROFILE && AWS_ACCESS_KEY_ID && AWS_SECRET_ACCESS_KEY) {
    return {
      accessKeyId: AWS_ACCESS_KEY_ID,
      secretAccessKey: AWS_SECRET_ACCESS_KEY,
      ...(AWS_SESSION_TOKEN ? { sessionToken: AWS_SESSION_TOKEN } : {}),
    };
  }
  return fromNodeProviderChain(AWS_PROFILE ? { profile: AWS_PROFILE } : {});
}

function parseEksTokenArgs(
  args: readonly string[],
  env: Record<string, string | undefined>,
): { clusterName: string; region: string } {
  const { values } = parseArgs({
    args: [...args],
    options: { 'cluster-name': { type: 'string' }, region: { type: 'string' } },
    allowPositionals: false,
    strict: true,
  });
  const clusterName = values['cluster-name'];
  if (!clusterName) throw new Error('--cluster-name is required');
  const region = values.region || env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('a region is required: pass --region or set AWS_REGION');
  return { clusterName, region };
}

/**
 * `waypointer eks-token --cluster-name NAME [--region R]`: prints the ExecCredential exactly as
 * `aws eks get-token --cluster-name NAME --region R --output json` does, for a kubeconfig `exec`
 * user. The region comes from `--region`, else AWS_REGION, else AWS_DEFAULT_REGION; the
 * credentials from the default Node provider chain; the ExecCredential API version from
 * KUBERNETES_EXEC_INFO. Returns the exit code: 0, or 1 after `Error: <message>` on stderr.
 *
 * @example
 * ```ts
 * const code = await eksTokenCommand(['--cluster-name', 'prod', '--region', 'eu-west-1'], {
 *   stdout: (text) => process.stdout.write(text),
 *   stderr: (text) => process.stderr.write(text),
 *   env: process.env,
 * });
 * ```
 */
export async function eksTokenCommand(
  args: readonly string[],
  io: EksTokenCommandIo,
): Promise<number> {
  try {
    const { clusterName, region } = parseEksTokenArgs(args, io.env);
    const apiVersion = execApiVersion(io.env.KUBERNETES_EXEC_INFO, (message) =>
      io.stderr(`${message}\n`),
    );
    const { token, expiresAt } = await eksToken({
      clusterName,
      region,
      credentials: credentialsFromEnv(io.env),
      now: (io.clock ?? systemClock).now(),
    });
    io.stdout(formatExecCredential(execCredential(token, expiresAt, apiVersion)));
    return 0;
  } catch (error) {
    io.stderr(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
