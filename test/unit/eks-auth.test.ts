/**
 * EKS authentication: the bearer token against `aws eks get-token` vectors, the ExecCredential the
 * `eks-token` command prints, the token cache and the KubeConfig built from DescribeCluster.
 *
 * Vectors: fixed key AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, cluster
 * `my-cluster`, clock 2026-01-02T03:04:05Z. eu-west-1 and us-east-1 (no session token) are the
 * shared reference's (Debian awscli 2.9.19 under faketime); the session-token, cn-north-1 and
 * ExecCredential byte vectors were printed by aws-cli 1.45.11 / botocore 1.43.11 with its clock
 * (`get_current_datetime`) pinned to the same instant.
 */
import type { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { HttpMethod, RequestContext } from '@kubernetes/client-node';
import { describe, expect, it, vi } from 'vitest';
import {
  credentialsFromEnv,
  EksTokenSource,
  eksKubeConfig,
  eksToken,
  eksTokenCommand,
  execApiVersion,
  execCredential,
  formatExecCredential,
  stsHostname,
} from '../../shared/adapters/kubernetes/eks-auth.ts';

const CREDENTIALS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const NOW = new Date('2026-01-02T03:04:05Z');
const SESSION_TOKEN = 'FwoGZXIvYXdzEXAMPLE+session/token==';

/** `aws eks get-token --cluster-name my-cluster --region eu-west-1 --output json`, byte for byte. */
const CLI_EU_WEST_1 = `{
    "kind": "ExecCredential",
    "apiVersion": "client.authentication.k8s.io/v1beta1",
    "spec": {},
    "status": {
        "expirationTimestamp": "2026-01-02T03:18:05Z",
        "token": "k8s-aws-v1.aHR0cHM6Ly9zdHMuZXUtd2VzdC0xLmFtYXpvbmF3cy5jb20vP0FjdGlvbj1HZXRDYWxsZXJJZGVudGl0eSZWZXJzaW9uPTIwMTEtMDYtMTUmWC1BbXotQWxnb3JpdGhtPUFXUzQtSE1BQy1TSEEyNTYmWC1BbXotQ3JlZGVudGlhbD1BS0lBSU9TRk9ETk43RVhBTVBMRSUyRjIwMjYwMTAyJTJGZXUtd2VzdC0xJTJGc3RzJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAyNjAxMDJUMDMwNDA1WiZYLUFtei1FeHBpcmVzPTYwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCUzQngtazhzLWF3cy1pZCZYLUFtei1TaWduYXR1cmU9YjkwNWFkMGZkNjU5MzM5ODdkNjFkZDRiNGI3MWQxMWY0YjI2Nzc4ZDk3ZGQ0NTk5NTI5YzIxODExNGI5ZmZmMg"
    }
}

`;

/** The same for us-east-1 with `KUBERNETES_EXEC_INFO` asking for `client.authentication.k8s.io/v1`. */
const CLI_US_EAST_1_V1 = `{
    "kind": "ExecCredential",
    "apiVersion": "client.authentication.k8s.io/v1",
    "spec": {},
    "status": {
        "expirationTimestamp": "2026-01-02T03:18:05Z",
        "token": "k8s-aws-v1.aHR0cHM6Ly9zdHMudXMtZWFzdC0xLmFtYXpvbmF3cy5jb20vP0FjdGlvbj1HZXRDYWxsZXJJZGVudGl0eSZWZXJzaW9uPTIwMTEtMDYtMTUmWC1BbXotQWxnb3JpdGhtPUFXUzQtSE1BQy1TSEEyNTYmWC1BbXotQ3JlZGVudGlhbD1BS0lBSU9TRk9ETk43RVhBTVBMRSUyRjIwMjYwMTAyJTJGdXMtZWFzdC0xJTJGc3RzJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAyNjAxMDJUMDMwNDA1WiZYLUFtei1FeHBpcmVzPTYwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCUzQngtazhzLWF3cy1pZCZYLUFtei1TaWduYXR1cmU9YjU2ZDdiMTBjOTJlOTc1MWM3ZGRkMjZmOWI3Yzg5YWM4OTQxNTg0ZjZhY2U4MmNhM2VkY2E3Mzc1NWQ2ODZjZg"
    }
}

`;

function tokenOf(cliOutput: string): string {
  return (JSON.parse(cliOutput) as { status: { token: string } }).status.token;
}

/** The presigned URL inside a token, checking the prefix and the unpadded base64url alphabet. */
function decodeToken(token: string): URL {
  expect(token.startsWith('k8s-aws-v1.')).toBe(true);
  const payload = token.slice('k8s-aws-v1.'.length);
  expect(payload).toMatch(/^[A-Za-z0-9_-]+$/);
  return new URL(Buffer.from(payload, 'base64url').toString('utf8'));
}

function expectedParams(region: string, signature: string): Record<string, string> {
  return {
    Action: 'GetCallerIdentity',
    Version: '2011-06-15',
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `AKIAIOSFODNN7EXAMPLE/20260102/${region}/sts/aws4_request`,
    'X-Amz-Date': '20260102T030405Z',
    'X-Amz-Expires': '60',
    'X-Amz-SignedHeaders': 'host;x-k8s-aws-id',
    'X-Amz-Signature': signature,
  };
}

describe('eksToken', () => {
  it.each([
    ['eu-west-1', 'b905ad0fd65933987d61dd4b4b71d11f4b26778d97dd4599529c218114b9fff2'],
    ['us-east-1', 'b56d7b10c92e9751c7ddd26f9b7c89ac8941584f6ace82ca3edca73755d686cf'],
  ])('signs the aws eks get-token vector for %s', async (region, signature) => {
    const { token, expiresAt } = await eksToken({
      clusterName: 'my-cluster',
      region,
      credentials: CREDENTIALS,
      now: NOW,
    });
    const url = decodeToken(token);
    expect(`${url.protocol}//${url.host}${url.pathname}`).toBe(
      `https://sts.${region}.amazonaws.com/`,
    );
    expect(Object.fromEntries(url.searchParams)).toEqual(expectedParams(region, signature));
    expect([...url.searchParams.keys()]).toEqual(Object.keys(expectedParams(region, signature)));
    expect(expiresAt.toISOString()).toBe('2026-01-02T03:18:05.000Z');
  });

  it('produces the CLI token byte for byte', async () => {
    const signed = await eksToken({
      clusterName: 'my-cluster',
      region: 'eu-west-1',
      credentials: CREDENTIALS,
      now: NOW,
    });
    expect(signed.token).toBe(tokenOf(CLI_EU_WEST_1));
    const east = await eksToken({
      clusterName: 'my-cluster',
      region: 'us-east-1',
      credentials: CREDENTIALS,
      now: NOW,
    });
    expect(east.token).toBe(tokenOf(CLI_US_EAST_1_V1));
  });

  it('signs a session token like the CLI (the same parameters, in another order)', async () => {
    const { token } = await eksToken({
      clusterName: 'my-cluster',
      region: 'eu-west-1',
      credentials: { ...CREDENTIALS, sessionToken: SESSION_TOKEN },
      now: NOW,
    });
    const url = decodeToken(token);
    expect(url.search).toContain(
      'X-Amz-Security-Token=FwoGZXIvYXdzEXAMPLE%2Bsession%2Ftoken%3D%3D',
    );
    expect(Object.fromEntries(url.searchParams)).toEqual({
      ...expectedParams(
        'eu-west-1',
        '0628b16d991a276c9d51a0359f668594088d9ddb2b2f97951bd3ba8ba3b2cc26',
      ),
      'X-Amz-Security-Token': SESSION_TOKEN,
    });
  });

  it('signs for the China partition host', async () => {
    const { token } = await eksToken({
      clusterName: 'my-cluster',
      region: 'cn-north-1',
      credentials: CREDENTIALS,
      now: NOW,
    });
    const url = decodeToken(token);
    expect(url.host).toBe('sts.cn-north-1.amazonaws.com.cn');
    expect(Object.fromEntries(url.searchParams)).toEqual(
      expectedParams(
        'cn-north-1',
        'cb2964a8922b87ca311a08d584fb25ebdec998aa3fadf866e2ed35ad3f3922ae',
      ),
    );
  });

  it('accepts a credential provider', async () => {
    const provider = vi.fn(async () => CREDENTIALS);
    const { token } = await eksToken({
      clusterName: 'my-cluster',
      region: 'eu-west-1',
      credentials: provider,
      now: NOW,
    });
    expect(token).toBe(tokenOf(CLI_EU_WEST_1));
    expect(provider).toHaveBeenCalledTimes(1);
  });
});

describe('stsHostname', () => {
  it.each([
    ['eu-west-1', 'sts.eu-west-1.amazonaws.com'],
    ['us-gov-west-1', 'sts.us-gov-west-1.amazonaws.com'],
    ['cn-northwest-1', 'sts.cn-northwest-1.amazonaws.com.cn'],
    ['us-iso-east-1', 'sts.us-iso-east-1.c2s.ic.gov'],
    ['us-isob-east-1', 'sts.us-isob-east-1.sc2s.sgov.gov'],
  ])('%s → %s', (region, host) => {
    expect(stsHostname(region)).toBe(host);
  });

  it('rejects what is not a region name', () => {
    expect(() => stsHostname('evil.example.com/x')).toThrow('invalid region "evil.example.com/x"');
    expect(() => stsHostname('')).toThrow('invalid region ""');
  });
});

describe('execCredential', () => {
  it('has the CLI key order and a whole-second UTC timestamp', () => {
    const credential = execCredential('k8s-aws-v1.abc', new Date('2026-01-02T03:18:05.987Z'));
    expect(JSON.stringify(credential)).toBe(
      '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{},' +
        '"status":{"expirationTimestamp":"2026-01-02T03:18:05Z","token":"k8s-aws-v1.abc"}}',
    );
    expect(execCredential('t', NOW, 'client.authentication.k8s.io/v1').apiVersion).toBe(
      'client.authentication.k8s.io/v1',
    );
    expect(formatExecCredential(credential)).toMatch(/^\{\n {4}"kind": "ExecCredential",\n/);
  });
});

describe('execApiVersion', () => {
  const beta = 'client.authentication.k8s.io/v1beta1';

  it.each([
    [undefined, beta, 0],
    ['', beta, 0],
    ['{"apiVersion":"client.authentication.k8s.io/v1"}', 'client.authentication.k8s.io/v1', 0],
    [`{"apiVersion":"${beta}"}`, beta, 0],
    [
      '{"apiVersion":"client.authentication.k8s.io/v1alpha1"}',
      'client.authentication.k8s.io/v1alpha1',
      1,
    ],
    ['{"apiVersion":"client.authentication.k8s.io/v2"}', beta, 1],
    ['{}', beta, 1],
    ['null', beta, 1],
    ['{not json', beta, 1],
  ])('%s → %s', (execInfo, apiVersion, warnings) => {
    const warn = vi.fn();
    expect(execApiVersion(execInfo, warn)).toBe(apiVersion);
    expect(warn).toHaveBeenCalledTimes(warnings);
  });

  it('words its warnings as the CLI does', () => {
    const warn = vi.fn();
    execApiVersion('{not json', warn);
    expect(warn).toHaveBeenCalledWith(
      'Error parsing KUBERNETES_EXEC_INFO, defaulting to client.authentication.k8s.io/v1beta1. This is likely a bug in your Kubernetes client. Please update your Kubernetes client.',
    );
  });
});

async function runCommand(
  args: readonly string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await eksTokenCommand(args, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env,
    now: () => NOW,
  });
  return { code, stdout, stderr };
}

const ENV_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
};

describe('waypointer eks-token', () => {
  it('prints what aws eks get-token --output json prints', async () => {
    const result = await runCommand(['--cluster-name', 'my-cluster', '--region', 'eu-west-1'], {
      ...ENV_CREDENTIALS,
      AWS_REGION: 'us-east-1',
    });
    expect(result).toEqual({ code: 0, stdout: CLI_EU_WEST_1, stderr: '' });
  });

  it('takes the region from AWS_REGION, then AWS_DEFAULT_REGION, and v1 from KUBERNETES_EXEC_INFO', async () => {
    const execInfo = JSON.stringify({
      kind: 'ExecCredential',
      apiVersion: 'client.authentication.k8s.io/v1',
      spec: { interactive: false },
    });
    const expected = { code: 0, stdout: CLI_US_EAST_1_V1, stderr: '' };
    const env = { ...ENV_CREDENTIALS, KUBERNETES_EXEC_INFO: execInfo };
    expect(
      await runCommand(['--cluster-name=my-cluster'], { ...env, AWS_REGION: 'us-east-1' }),
    ).toEqual(expected);
    expect(
      await runCommand(['--cluster-name', 'my-cluster'], {
        ...env,
        AWS_DEFAULT_REGION: 'us-east-1',
      }),
    ).toEqual(expected);
  });

  it('signs with AWS_SESSION_TOKEN', async () => {
    const { code, stdout } = await runCommand(['--cluster-name', 'my-cluster'], {
      ...ENV_CREDENTIALS,
      AWS_SESSION_TOKEN: SESSION_TOKEN,
      AWS_REGION: 'eu-west-1',
    });
    expect(code).toBe(0);
    const url = decodeToken(tokenOf(stdout));
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe(SESSION_TOKEN);
    expect(url.searchParams.get('X-Amz-Signature')).toBe(
      '0628b16d991a276c9d51a0359f668594088d9ddb2b2f97951bd3ba8ba3b2cc26',
    );
  });

  it('warns on stderr about a malformed KUBERNETES_EXEC_INFO and still prints v1beta1', async () => {
    const { code, stdout, stderr } = await runCommand(['--cluster-name', 'my-cluster'], {
      ...ENV_CREDENTIALS,
      AWS_REGION: 'eu-west-1',
      KUBERNETES_EXEC_INFO: '{',
    });
    expect([code, stdout]).toEqual([0, CLI_EU_WEST_1]);
    expect(stderr).toMatch(/^Error parsing KUBERNETES_EXEC_INFO, defaulting to .*\n$/);
  });

  it.each([
    [
      ['--cluster-name', 'my-cluster'],
      'Error: a region is required: pass --region or set AWS_REGION\n',
    ],
    [['--region', 'eu-west-1'], 'Error: --cluster-name is required\n'],
    [['--cluster-name', ''], 'Error: --cluster-name is required\n'],
    [['--cluster-name', 'c', '--region', 'not a region'], 'Error: invalid region "not a region"\n'],
  ])('fails for %j', async (args, stderr) => {
    expect(await runCommand(args, ENV_CREDENTIALS)).toEqual({ code: 1, stdout: '', stderr });
  });

  it('rejects unknown flags and arguments', async () => {
    for (const args of [
      ['--cluster-name', 'c', '--bogus'],
      ['--cluster-name', 'c', 'extra'],
    ]) {
      const { code, stdout, stderr } = await runCommand(args, ENV_CREDENTIALS);
      expect([code, stdout]).toEqual([1, '']);
      expect(stderr).toMatch(/^Error: .*(bogus|extra)/);
    }
  });
});

describe('credentialsFromEnv', () => {
  it('uses static environment credentials, as the chain does first', () => {
    expect(credentialsFromEnv({ ...ENV_CREDENTIALS, AWS_SESSION_TOKEN: 'st' })).toEqual({
      ...CREDENTIALS,
      sessionToken: 'st',
    });
    expect(credentialsFromEnv(ENV_CREDENTIALS)).toEqual(CREDENTIALS);
  });

  it('falls back to the default provider chain, which skips them when AWS_PROFILE is set', () => {
    expect(typeof credentialsFromEnv({ ...ENV_CREDENTIALS, AWS_PROFILE: 'dev' })).toBe('function');
    expect(typeof credentialsFromEnv({ AWS_ACCESS_KEY_ID: 'only-the-id' })).toBe('function');
  });
});

/** A clock the test moves by hand. */
function manualClock(start: Date): { now: () => Date; advance: (ms: number) => void } {
  let t = start.getTime();
  return { now: () => new Date(t), advance: (ms) => (t += ms) };
}

const MINUTE = 60_000;

describe('EksTokenSource', () => {
  function source(): {
    tokens: EksTokenSource;
    clock: ReturnType<typeof manualClock>;
    signings: ReturnType<typeof vi.fn>;
  } {
    const clock = manualClock(NOW);
    const signings = vi.fn(async () => CREDENTIALS);
    const tokens = new EksTokenSource({
      clusterName: 'my-cluster',
      region: 'eu-west-1',
      credentials: signings,
      now: clock.now,
    });
    return { tokens, clock, signings };
  }

  it('reuses the token while 60 s or more remain before expiresAt, then renews it', async () => {
    const { tokens, clock, signings } = source();
    const first = await tokens.get();
    expect(first.token).toBe(tokenOf(CLI_EU_WEST_1));
    expect(first.expiresAt).toEqual(new Date(NOW.getTime() + 14 * MINUTE));

    clock.advance(13 * MINUTE - 1);
    expect(await tokens.get()).toBe(first);
    clock.advance(1); // exactly 60 s left
    expect(await tokens.get()).toBe(first);
    expect(signings).toHaveBeenCalledTimes(1);

    clock.advance(1); // 59.999 s left
    const second = await tokens.get();
    expect(signings).toHaveBeenCalledTimes(2);
    expect(second.token).not.toBe(first.token);
    expect(second.expiresAt).toEqual(new Date(NOW.getTime() + 27 * MINUTE + 1));
    expect(decodeToken(second.token).searchParams.get('X-Amz-Date')).toBe('20260102T031705Z');
    expect(await tokens.token()).toBe(second.token);
    expect(signings).toHaveBeenCalledTimes(2);
  });

  it('shares one signing between concurrent callers', async () => {
    const { tokens, signings } = source();
    const all = await Promise.all([tokens.get(), tokens.get(), tokens.token(), tokens.get()]);
    expect(signings).toHaveBeenCalledTimes(1);
    expect(new Set(all.map((t) => (typeof t === 'string' ? t : t.token))).size).toBe(1);
  });

  it('does not cache a failed signing', async () => {
    const credentials = vi
      .fn<() => Promise<typeof CREDENTIALS>>()
      .mockRejectedValueOnce(new Error('no credentials'))
      .mockResolvedValue(CREDENTIALS);
    const tokens = new EksTokenSource({
      clusterName: 'my-cluster',
      region: 'eu-west-1',
      credentials,
      now: () => NOW,
    });
    await expect(tokens.get()).rejects.toThrow('no credentials');
    expect(await tokens.token()).toBe(tokenOf(CLI_EU_WEST_1));
  });

  it('signs again after invalidate()', async () => {
    const { tokens, signings } = source();
    await tokens.get();
    tokens.invalidate();
    await tokens.get();
    expect(signings).toHaveBeenCalledTimes(2);
  });
});

const ENDPOINT = 'https://0123456789ABCDEF0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com';
const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const CA_DATA = Buffer.from(CA_PEM).toString('base64');

function stubEks(cluster: Record<string, unknown> | undefined): {
  eks: EKSClient;
  send: ReturnType<typeof vi.fn>;
} {
  const send = vi.fn(async (_command: DescribeClusterCommand) => ({ cluster }));
  return { eks: { send } as unknown as EKSClient, send };
}

const ACTIVE = {
  name: 'my-cluster',
  status: 'ACTIVE',
  endpoint: ENDPOINT,
  certificateAuthority: { data: CA_DATA },
};

describe('eksKubeConfig', () => {
  it('points at the endpoint, trusts the CA and sends the current token on every request', async () => {
    const clock = manualClock(NOW);
    const tokens = new EksTokenSource({
      clusterName: 'my-cluster',
      region: 'eu-west-1',
      credentials: CREDENTIALS,
      now: clock.now,
    });
    const { eks, send } = stubEks(ACTIVE);
    const kc = await eksKubeConfig({ clusterName: 'my-cluster', region: 'eu-west-1', eks, tokens });

    expect(send).toHaveBeenCalledTimes(1);
    expect(send.mock.calls[0]?.[0].input).toEqual({ name: 'my-cluster' });
    expect(kc.getCurrentCluster()).toMatchObject({ server: ENDPOINT, caData: CA_DATA });
    expect(kc.getCurrentCluster()?.skipTLSVerify).toBe(false);

    const request = new RequestContext(`${ENDPOINT}/api/v1/namespaces`, HttpMethod.GET);
    await kc.applySecurityAuthentication(request);
    expect(request.getHeaders().Authorization).toBe(`Bearer ${tokenOf(CLI_EU_WEST_1)}`);

    const https: { headers?: Record<string, unknown>; ca?: unknown } = {};
    await kc.applyToHTTPSOptions(https);
    expect(https.headers?.Authorization).toBe(`Bearer ${tokenOf(CLI_EU_WEST_1)}`);
    expect(Buffer.isBuffer(https.ca) && https.ca.toString()).toBe(CA_PEM);

    clock.advance(13 * MINUTE + 1);
    const later = new RequestContext(`${ENDPOINT}/api/v1/namespaces`, HttpMethod.GET);
    await kc.applySecurityAuthentication(later);
    const bearer = later.getHeaders().Authorization ?? '';
    expect(bearer).not.toBe(`Bearer ${tokenOf(CLI_EU_WEST_1)}`);
    expect(decodeToken(bearer.replace(/^Bearer /, '')).searchParams.get('X-Amz-Date')).toBe(
      '20260102T031705Z',
    );
  });

  it('accepts an UPDATING cluster', async () => {
    const tokens = new EksTokenSource({
      clusterName: 'my-cluster',
      region: 'eu-west-1',
      credentials: CREDENTIALS,
    });
    const { eks } = stubEks({ ...ACTIVE, status: 'UPDATING' });
    const kc = await eksKubeConfig({ clusterName: 'my-cluster', region: 'eu-west-1', eks, tokens });
    expect(kc.getCurrentCluster()?.server).toBe(ENDPOINT);
  });

  it.each([
    [{ name: 'x', status: 'CREATING' }, 'cluster "x" has no endpoint yet (status CREATING)'],
    [
      { name: 'x', status: 'CREATING', endpoint: ENDPOINT },
      'cluster "x" has no certificate authority yet (status CREATING)',
    ],
    [{ ...ACTIVE, status: 'DELETING' }, 'cluster "x" is not active (status DELETING)'],
    [{ ...ACTIVE, status: 'FAILED' }, 'cluster "x" is not active (status FAILED)'],
    [{ endpoint: ENDPOINT }, 'cluster "x" has no certificate authority yet (status UNKNOWN)'],
    [undefined, 'cluster "x" not found'],
  ])('rejects %j', async (cluster, message) => {
    const tokens = new EksTokenSource({
      clusterName: 'x',
      region: 'eu-west-1',
      credentials: CREDENTIALS,
    });
    const { eks } = stubEks(cluster);
    await expect(
      eksKubeConfig({ clusterName: 'x', region: 'eu-west-1', eks, tokens }),
    ).rejects.toThrow(message);
  });

  it('passes DescribeCluster errors through', async () => {
    const tokens = new EksTokenSource({
      clusterName: 'x',
      region: 'eu-west-1',
      credentials: CREDENTIALS,
    });
    const eks = {
      send: vi.fn(async () => {
        throw new Error('No cluster found for name: x.');
      }),
    } as unknown as EKSClient;
    await expect(
      eksKubeConfig({ clusterName: 'x', region: 'eu-west-1', eks, tokens }),
    ).rejects.toThrow('No cluster found for name: x.');
  });
});
