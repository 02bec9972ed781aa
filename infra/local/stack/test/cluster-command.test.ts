/**
 * `waypointer cluster`: the embedded cluster run alone, with its flags checked before it starts.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { eventuallyAsync } from '@waypointer/kube-api/testing';
import { describe, expect, it } from 'vitest';
import { clusterCommand } from '../src/cluster-command.ts';

const waypoint = (name: string, labels: Record<string, string> = {}): object => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name, namespace: 'default', labels },
  spec: {
    gatewayClassName: 'istio-waypoint',
    listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
  },
});

describe('waypointer cluster', () => {
  it.each<[string[], string]>([
    [
      ['--fault-rate', 'abc'],
      'Error: invalid --fault-rate "abc": give a share of requests from 0 to 1 (e.g. 0.2)\n',
    ],
    [
      ['--fault-rate', '1.5'],
      'Error: invalid --fault-rate "1.5": give a share of requests from 0 to 1 (e.g. 0.2)\n',
    ],
    [
      ['--ready-delay', 'abc'],
      'Error: invalid --ready-delay "abc": give whole milliseconds (e.g. 1000)\n',
    ],
    [
      ['--ready-delay=-5'],
      'Error: invalid --ready-delay "-5": give whole milliseconds (e.g. 1000)\n',
    ],
    [['--port', 'x'], 'Error: invalid --port "x": give 0..65535 (0 picks a free port)\n'],
    [
      ['--keep-unready', 'default/stuck', '--keep-unready', 'stuck'],
      `Error: invalid --keep-unready "stuck": give NAMESPACE/NAME of a waypoint, or '*' for all\n`,
    ],
    [
      ['--audit-webhook', 'notaurl'],
      'Error: invalid --audit-webhook "notaurl": give an http:// or https:// URL\n',
    ],
    [
      ['--audit-log', '/proc/no-such-dir/audit.log'],
      `Error: cannot write --audit-log "/proc/no-such-dir/audit.log": ENOENT: no such file or directory, open '/proc/no-such-dir/audit.log'\n`,
    ],
    [
      ['--keep-unready', 'Default/stuck/x'],
      `Error: invalid --keep-unready "Default/stuck/x": give NAMESPACE/NAME of a waypoint, or '*' for all\n`,
    ],
  ])('refuses %j with a clear error, starting nothing', async (args, message) => {
    let stderr = '';
    let started = false;
    const code = await clusterCommand(args, {
      stdout: () => {},
      stderr: (text) => {
        stderr += text;
      },
      onStop: () => {
        started = true;
      },
    });
    expect([code, stderr, started]).toEqual([1, message, false]);
  });
});

it('waypointer cluster --keep-unready holds the named waypoint at Programmed=False', async () => {
  const kubeconfigOut = join(await mkdtemp(join(tmpdir(), 'cluster-')), 'kubeconfig');
  let stdout = '';
  let stop: (() => Promise<void>) | undefined;
  const code = await clusterCommand(
    ['--keep-unready', 'default/stuck', '--ready-delay', '10', '--kubeconfig-out', kubeconfigOut],
    {
      stdout: (text) => {
        stdout += text;
      },
      stderr: () => {},
      onStop: (s) => {
        stop = s;
      },
    },
  );
  try {
    expect(code).toBe(0);
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigOut);
    expect(stdout).toContain(`Kubernetes API: ${kc.getCurrentCluster()?.server}`);
    const api = kc.makeApiClient(CustomObjectsApi);
    const gateway = (name: string) => ({
      group: 'gateway.networking.k8s.io',
      version: 'v1',
      namespace: 'default',
      plural: 'gateways',
      name,
    });
    for (const name of ['stuck', 'free'])
      await api.createNamespacedCustomObject({ ...gateway(name), body: waypoint(name) });
    const programmed = async (name: string): Promise<string | undefined> => {
      const object = (await api.getNamespacedCustomObject(gateway(name))) as {
        status?: { conditions?: { type: string; status: string }[] };
      };
      return object.status?.conditions?.find((c) => c.type === 'Programmed')?.status;
    };
    await eventuallyAsync(async () => ((await programmed('free')) === 'True' ? true : undefined));
    expect(await programmed('stuck')).toBe('False');
  } finally {
    await stop?.();
  }
});
