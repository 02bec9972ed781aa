/**
 * `waypointer eks-token`: the ExecCredential it prints byte for byte against `aws eks get-token`
 * (test/support/eks-vectors.ts), KUBERNETES_EXEC_INFO, the region and credentials from the
 * environment, and its errors.
 */
import { describe, expect, it, vi } from 'vitest';
import {
  credentialsFromEnv,
  eksTokenCommand,
  execApiVersion,
  execCredential,
  formatExecCredential,
} from '../../shared/commands/eks-token.ts';
import type { Clock } from '../../shared/ports.ts';
import type { CliResult } from '../support/cli.ts';
import {
  CLI_EU_WEST_1,
  CLI_US_EAST_1_V1,
  CREDENTIALS,
  decodeToken,
  NOW,
  SESSION_TOKEN,
  tokenOf,
} from '../support/eks-vectors.ts';

/** A clock stopped at {@link NOW}. */
const STOPPED: Clock = { now: () => NOW, sleep: async () => {} };

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
): Promise<CliResult> {
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
    clock: STOPPED,
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
