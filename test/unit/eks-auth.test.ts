/**
 * The EKS token adapter: the bearer token against `aws eks get-token` vectors
 * (test/support/eks-vectors.ts), the token cache and the KubeConfig built from DescribeCluster.
 */
import type { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { HttpMethod, RequestContext } from '@kubernetes/client-node';
import { describe, expect, it, vi } from 'vitest';
import {
  EksTokenSource,
  eksKubeConfig,
  eksToken,
  stsHostname,
} from '../../shared/adapters/kubernetes/eks-auth.ts';
import {
  CLI_EU_WEST_1,
  CLI_US_EAST_1_V1,
  CREDENTIALS,
  decodeToken,
  NOW,
  SESSION_TOKEN,
  tokenOf,
} from '../support/eks-vectors.ts';

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
      clock,
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
      clock: { now: () => NOW },
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
      clock,
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
