/**
 * Field selectors on pods, as the real API server has them: apimachinery `fields.ParseSelector`
 * (`=`, `==`, `!=`, comma-AND, backslash escapes, no trimming) over `PodToSelectableFields`
 * (kubernetes `pkg/registry/core/pod/strategy.go`; `status.podIP` is `status.podIPs[0]`,
 * `spec.hostNetwork` defaults to `false`) and the labels `AddFieldLabelConversionsForPod` accepts.
 * Pod status as a cluster has it: the kubelet runs a pod with an IP (a host-network pod gets the
 * node's), and the status subresource sets any other phase.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCluster } from '../src/cluster.ts';
import { cluster, raw } from '../src/testing.ts';

const PODS = '/api/v1/namespaces/fields/pods';

let local: LocalCluster;

async function create(name: string, spec: object = {}): Promise<Record<string, unknown>> {
  const response = await raw(local, 'POST', PODS, {
    body: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { app: 'f' } },
      spec: { containers: [{ name: 'app', image: 'example/app:1' }], ...spec },
    },
  });
  expect(response.status).toBe(201);
  return response.json;
}

async function setStatus(name: string, status: object): Promise<void> {
  const response = await raw(local, 'PATCH', `${PODS}/${name}/status`, {
    body: { status },
    contentType: 'application/merge-patch+json',
  });
  expect(response.status).toBe(200);
}

async function names(fieldSelector: string): Promise<string[]> {
  const response = await raw(
    local,
    'GET',
    `${PODS}?fieldSelector=${encodeURIComponent(fieldSelector)}`,
  );
  expect(response.status, JSON.stringify(response.json)).toBe(200);
  return response.json.items.map((p: { metadata: { name: string } }) => p.metadata.name).sort();
}

beforeAll(async () => {
  local = await cluster();
  const ns = await raw(local, 'POST', '/api/v1/namespaces', {
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fields' } },
  });
  expect(ns.status).toBe(201);
  await create('running');
  await create('host', { hostNetwork: true });
  await create('done');
  await setStatus('done', { phase: 'Succeeded' });
  await create('crashed');
  await setStatus('crashed', { phase: 'Failed', podIP: null, podIPs: null });
  await create('no-ip');
  await setStatus('no-ip', { phase: 'Pending', podIP: null, podIPs: null });
  await create('dual');
  await setStatus('dual', { podIP: 'fd00::9', podIPs: [{ ip: 'fd00::9' }, { ip: '10.9.9.9' }] });
});
afterAll(async () => {
  await local.stop();
});

describe('pod status as a cluster has it', () => {
  it('the kubelet runs a new pod with an IP; a host-network pod has the node IP', async () => {
    const running = (await raw(local, 'GET', `${PODS}/running`)).json;
    expect(running.status.phase).toBe('Running');
    expect(running.status.podIPs).toEqual([{ ip: running.status.podIP }]);
    const host = (await raw(local, 'GET', `${PODS}/host`)).json;
    expect([host.status.phase, host.status.podIP]).toEqual(['Running', host.status.hostIP]);
  });

  it('the status subresource sets a pod Succeeded, Failed or without an IP', async () => {
    const noIp = (await raw(local, 'GET', `${PODS}/no-ip`)).json;
    expect(noIp.status.phase).toBe('Pending');
    expect(noIp.status.podIP).toBeUndefined();
    expect((await raw(local, 'GET', `${PODS}/done`)).json.status.phase).toBe('Succeeded');
  });
});

describe('seeded pods', () => {
  it('a seeded pod without a status runs with an IP no other pod holds; a status given is kept', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'seed-'));
    const file = join(dir, 'seed.yaml');
    const pod = (name: string, status = ''): string =>
      `---\napiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: default}\nspec:\n  containers: [{name: app, image: example/app:1}]\n${status}`;
    await writeFile(
      file,
      [
        '---\napiVersion: v1\nkind: Namespace\nmetadata: {name: default}\n',
        pod('fresh'),
        pod('host', '').replace('spec:\n', 'spec:\n  hostNetwork: true\n'),
        pod('done', 'status: {phase: Succeeded, podIP: 10.244.0.2, podIPs: [{ip: 10.244.0.2}]}\n'),
      ].join(''),
    );
    const seeded = await cluster({ seed: file });
    try {
      const list = await raw(seeded, 'GET', '/api/v1/namespaces/default/pods');
      const rows = list.json.items.map(
        (p: { metadata: { name: string }; status: { phase: string; podIP?: string } }) => [
          p.metadata.name,
          p.status.phase,
          p.status.podIP,
        ],
      );
      expect(rows).toEqual([
        ['done', 'Succeeded', '10.244.0.2'],
        ['fresh', 'Running', '10.244.0.3'],
        ['host', 'Running', '172.18.0.2'],
      ]);
    } finally {
      await seeded.stop();
    }
  });
});

describe('pod field selectors (PodToSelectableFields)', () => {
  it.each<[string, string[]]>([
    ['status.phase=Succeeded', ['done']],
    ['status.phase==Failed', ['crashed']],
    ['status.phase!=Running', ['crashed', 'done', 'no-ip']],
    ['status.phase!=Running,status.phase!=Pending', ['crashed', 'done']],
    ['status.podIP=', ['crashed', 'no-ip']],
    ['status.podIP!=', ['done', 'dual', 'host', 'running']],
    ['status.podIP=fd00::9', ['dual']],
    ['status.podIP=10.9.9.9', []],
    ['spec.hostNetwork=true', ['host']],
    ['spec.hostNetwork=false,status.phase=Running', ['dual', 'running']],
    ['spec.restartPolicy=Always,metadata.name=done', ['done']],
    ['spec.schedulerName=default-scheduler,metadata.name=host', ['host']],
    ['spec.host=waypointer-local,metadata.name=host', ['host']],
    ['status.nominatedNodeName=,metadata.name=no-ip', ['no-ip']],
    ['status.podIPs=,metadata.name=dual', ['dual']],
    ['metadata.namespace=fields,status.phase=Failed', ['crashed']],
    ['status.phase=Failed,,', ['crashed']],
    ['', ['crashed', 'done', 'dual', 'host', 'no-ip', 'running']],
  ])('%s', async (selector, expected) => {
    expect(await names(selector)).toEqual(expected);
  });

  it.each<[string, string]>([
    ['status.bogus=x', 'field label not supported: status.bogus'],
    [' status.phase=Running', 'field label not supported:  status.phase'],
    ['status.phase =Running', 'field label not supported: status.phase '],
    ['=Running', 'field label not supported: '],
    ['status.phase', "invalid selector: 'status.phase'; can't understand 'status.phase'"],
    ['status.phase=a=b', 'invalid field selector: unescaped character in value: 61'],
    ['status.phase=a\\x', 'invalid field selector: invalid escape sequence: \\x'],
  ])('%j is a 400: %s', async (selector, message) => {
    const response = await raw(
      local,
      'GET',
      `${PODS}?fieldSelector=${encodeURIComponent(selector)}`,
    );
    expect([response.status, response.json.reason, response.json.message]).toEqual([
      400,
      'BadRequest',
      message,
    ]);
  });

  it('an escaped value matches literally', async () => {
    await setStatus('dual', { nominatedNodeName: 'a,b=c' });
    expect(await names('status.nominatedNodeName=a\\,b\\=c')).toEqual(['dual']);
  });
});
