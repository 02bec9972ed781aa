/**
 * Amazon EKS authentication without the AWS CLI: the `k8s-aws-v1.` bearer token that
 * `aws eks get-token` prints, a cache that renews it before it expires, and a
 * `@kubernetes/client-node` {@link KubeConfig} for an EKS cluster whose user signs a fresh token
 * whenever the cached one is about to expire.
 *
 * The token is `k8s-aws-v1.` + unpadded base64url of a SigV4-presigned
 * `GET https://sts.<region>.<partition suffix>/?Action=GetCallerIdentity&Version=2011-06-15`
 * whose signed headers are `host;x-k8s-aws-id` (the cluster name). The API server replays the
 * request to STS to learn the caller; STS honours it for 15 minutes after `X-Amz-Date` whatever
 * `X-Amz-Expires` says (aws/aws-cli `awscli/customizations/eks/get_token.py`,
 * kubernetes-sigs/aws-iam-authenticator `pkg/token/token.go`).
 *
 * The `waypointer eks-token` command that prints such a token is `shared/commands/eks-token.ts`.
 */

import { Sha256 } from '@aws-crypto/sha256-js';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { KubeConfig, type User } from '@kubernetes/client-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4, type SignatureV4Init } from '@smithy/signature-v4';
import type { Clock } from '../../ports.ts';
import { systemClock } from '../clock.ts';

/** Static AWS credentials or a provider of them (e.g. `fromNodeProviderChain()`). */
export type EksCredentials = SignatureV4Init['credentials'];

/** A signed EKS bearer token and the time after which clients should stop using it. */
export interface EksToken {
  readonly token: string;
  readonly expiresAt: Date;
}

/** What {@link eksToken} needs to sign a token. */
export interface EksTokenOptions {
  readonly clusterName: string;
  readonly region: string;
  readonly credentials: EksCredentials;
  /** The signing time; defaults to the current time. */
  readonly now?: Date;
}

/** The prefix of every EKS bearer token. */
export const TOKEN_PREFIX = 'k8s-aws-v1.';
/** The header that binds a token to one cluster; it must be among the signed headers. */
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id';
/** `X-Amz-Expires` of the presigned URL; the API server ignores it (tokens live 15 minutes). */
export const URL_EXPIRES_SECONDS = 60;
/** How long after signing `aws eks get-token` reports a token as valid (14 minutes). */
export const TOKEN_LIFETIME_MS = 14 * 60_000;

/**
 * DNS suffixes of the AWS partitions other than `aws` (and `aws-us-gov`, which shares
 * `amazonaws.com`), from the region patterns of the AWS SDK's endpoint partitions table.
 * More specific prefixes come first.
 */
const PARTITION_SUFFIXES: readonly (readonly [RegExp, string])[] = [
  [/^cn-/, 'amazonaws.com.cn'],
  [/^us-isob-/, 'sc2s.sgov.gov'],
  [/^us-isof-/, 'csp.hci.ic.gov'],
  [/^us-iso-/, 'c2s.ic.gov'],
  [/^eu-isoe-/, 'cloud.adc-e.uk'],
  [/^eusc-/, 'amazonaws.eu'],
];

/**
 * The regional STS host a token for `region` is signed for: `sts.eu-west-1.amazonaws.com`,
 * `sts.cn-north-1.amazonaws.com.cn`, `sts.us-gov-west-1.amazonaws.com`.
 */
export function stsHostname(region: string): string {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(region)) throw new Error(`invalid region "${region}"`);
  const suffix = PARTITION_SUFFIXES.find(([pattern]) => pattern.test(region))?.[1];
  return `sts.${region}.${suffix ?? 'amazonaws.com'}`;
}

/** RFC 3986 percent-encoding, as SigV4 canonicalises query values (also `!'()*`). */
function escapeQueryComponent(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function queryString(query: HttpRequest['query'] | undefined): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (v !== null) parts.push(`${escapeQueryComponent(key)}=${escapeQueryComponent(v)}`);
    }
  }
  return parts.join('&');
}

/**
 * Signs an EKS bearer token, byte-identical to what `aws eks get-token --cluster-name NAME
 * --region REGION` prints for the same credentials and clock (only the position of
 * `X-Amz-Security-Token` among the query parameters differs when there is a session token).
 * `expiresAt` is the signing time plus 14 minutes, as the CLI reports it.
 */
export async function eksToken(opts: EksTokenOptions): Promise<EksToken> {
  const now = opts.now ?? new Date();
  const hostname = stsHostname(opts.region);
  const signer = new SignatureV4({
    service: 'sts',
    region: opts.region,
    sha256: Sha256,
    credentials: opts.credentials,
  });
  const signed = await signer.presign(
    new HttpRequest({
      method: 'GET',
      protocol: 'https:',
      hostname,
      path: '/',
      // `host` must be listed explicitly, or only x-k8s-aws-id is signed.
      headers: { host: hostname, [CLUSTER_ID_HEADER]: opts.clusterName },
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    }),
    { expiresIn: URL_EXPIRES_SECONDS, signingDate: now },
  );
  const url = `https://${hostname}/?${queryString(signed.query)}`;
  return {
    token: `${TOKEN_PREFIX}${Buffer.from(url, 'utf8').toString('base64url')}`,
    expiresAt: new Date(now.getTime() + TOKEN_LIFETIME_MS),
  };
}

/** What an {@link EksTokenSource} signs with. */
export interface EksTokenSourceOptions {
  readonly clusterName: string;
  readonly region: string;
  readonly credentials: EksCredentials;
  /** The clock (only its `now` is read); defaults to the system clock. */
  readonly clock?: Pick<Clock, 'now'>;
  /** Renew once fewer than this many milliseconds remain before `expiresAt` (default 60 000). */
  readonly renewBeforeMs?: number;
}

/**
 * A cached EKS token for one cluster. {@link EksTokenSource.get} returns the cached token until
 * fewer than `renewBeforeMs` (60 s) remain before its `expiresAt` (signing + 14 min), i.e. it
 * signs a new one 13 minutes after the last; concurrent callers share one signing. A failed
 * signing is not cached.
 */
export class EksTokenSource {
  readonly clusterName: string;
  readonly region: string;
  readonly credentials: EksCredentials;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #renewBeforeMs: number;
  #current: EksToken | undefined;
  #pending: Promise<EksToken> | undefined;

  constructor(opts: EksTokenSourceOptions) {
    this.clusterName = opts.clusterName;
    this.region = opts.region;
    this.credentials = opts.credentials;
    this.#clock = opts.clock ?? systemClock;
    this.#renewBeforeMs = opts.renewBeforeMs ?? 60_000;
  }

  /** The cached token, or a freshly signed one when the cached one is (nearly) expired. */
  get(): Promise<EksToken> {
    const now = this.#clock.now();
    const current = this.#current;
    if (current && current.expiresAt.getTime() - now.getTime() >= this.#renewBeforeMs) {
      return Promise.resolve(current);
    }
    if (this.#pending === undefined) {
      const signing = eksToken({
        clusterName: this.clusterName,
        region: this.region,
        credentials: this.credentials,
        now,
      });
      this.#pending = signing
        .then((token) => {
          this.#current = token;
          return token;
        })
        .finally(() => {
          this.#pending = undefined;
        });
    }
    return this.#pending;
  }

  /** The bearer token string of {@link EksTokenSource.get}. */
  async token(): Promise<string> {
    return (await this.get()).token;
  }

  /** Forgets the cached token (e.g. after a 401), so the next call signs a new one. */
  invalidate(): void {
    this.#current = undefined;
  }
}

/** The `auth-provider` name of the kubeconfig user built by {@link eksKubeConfig}. */
export const EKS_AUTH_PROVIDER = 'waypointer-eks';

type Authenticator = Parameters<KubeConfig['addAuthenticator']>[0];

/**
 * A client-node custom authenticator (`KubeConfig.addAuthenticator`) for users whose
 * `authProvider.name` is {@link EKS_AUTH_PROVIDER}: it sets `Authorization: Bearer <token>` from
 * `tokens` on every request (API calls, watches, logs and WebSockets alike).
 */
export function eksAuthenticator(tokens: EksTokenSource): Authenticator {
  return {
    isAuthProvider: (user: User): boolean =>
      (user.authProvider as { name?: unknown } | undefined)?.name === EKS_AUTH_PROVIDER,
    applyAuthentication: async (_user, opts): Promise<void> => {
      const token = await tokens.token();
      opts.headers = { ...opts.headers, Authorization: `Bearer ${token}` };
    },
  };
}

/** What {@link eksKubeConfig} needs. */
export interface EksKubeConfigOptions {
  readonly clusterName: string;
  readonly region: string;
  /** The EKS client; defaults to one for `region` with the token source's credentials. */
  readonly eks?: Pick<EKSClient, 'send'>;
  readonly tokens: EksTokenSource;
}

/** Cluster statuses in which the API server answers (UPDATING: e.g. a version upgrade). */
const SERVING_STATUSES = new Set(['ACTIVE', 'UPDATING']);

/**
 * Describes the cluster and returns a KubeConfig (context `<cluster>`) whose server is the
 * cluster's endpoint, whose CA is its certificate authority, and whose user authenticates with
 * the current token of `tokens` on every request. Throws when the cluster has no endpoint or
 * certificate authority yet or is not ACTIVE (or UPDATING).
 */
export async function eksKubeConfig(opts: EksKubeConfigOptions): Promise<KubeConfig> {
  const eks =
    opts.eks ?? new EKSClient({ region: opts.region, credentials: opts.tokens.credentials });
  const name = opts.clusterName;
  const { cluster } = await eks.send(new DescribeClusterCommand({ name }));
  if (!cluster) throw new Error(`cluster "${name}" not found`);
  const status = cluster.status ?? 'UNKNOWN';
  const endpoint = cluster.endpoint;
  const caData = cluster.certificateAuthority?.data;
  if (!endpoint) throw new Error(`cluster "${name}" has no endpoint yet (status ${status})`);
  if (!caData) {
    throw new Error(`cluster "${name}" has no certificate authority yet (status ${status})`);
  }
  if (!SERVING_STATUSES.has(status)) {
    throw new Error(`cluster "${name}" is not active (status ${status})`);
  }
  const kc = new KubeConfig();
  kc.addAuthenticator(eksAuthenticator(opts.tokens));
  const userName = `${EKS_AUTH_PROVIDER}:${name}`;
  kc.loadFromOptions({
    clusters: [{ name, server: endpoint, caData, skipTLSVerify: false }],
    users: [{ name: userName, authProvider: { name: EKS_AUTH_PROVIDER, config: {} } }],
    contexts: [{ name, cluster: name, user: userName }],
    currentContext: name,
  });
  return kc;
}
