/**
 * The real kubectl against the embedded API server: get, label, server-side apply, delete.
 * Skipped, with a message saying so, where kubectl is not installed.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalCluster } from '@waypointer/kube-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWaypoint, renderWaypointYaml } from '../../shared/domain/generate.ts';
import { cluster } from '../support/kube.ts';

function kubectlVersion(): string | undefined {
  try {
    return execFileSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  } catch {
    return undefined;
  }
}

const installed = kubectlVersion() !== undefined;
if (!installed) process.stderr.write('kubectl is not installed: the kubectl tests are skipped\n');

let local: LocalCluster;
let dir: string;

function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      ['--kubeconfig', join(dir, 'kubeconfig'), ...args],
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : ((error.code as number) ?? 1), stdout, stderr });
      },
    );
  });
}

describe.runIf(installed)('kubectl against the embedded cluster', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubectl-'));
    local = await cluster({ kubeconfigOut: join(dir, 'kubeconfig') });
  });
  afterAll(async () => {
    await local?.stop();
  });

  it('gets pods as a table and namespaces as JSON', async () => {
    const pods = await kubectl('get', 'pods', '-n', 'default');
    expect(pods.code).toBe(0);
    expect(pods.stdout.split('\n')[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(pods.stdout).toContain('reviews-v2-6f85cb9b7c-9jbd8');
    const namespaces = JSON.parse((await kubectl('get', 'namespaces', '-o', 'json')).stdout);
    expect(namespaces.items.map((n: { metadata: { name: string } }) => n.metadata.name)).toEqual([
      'default',
      'istio-system',
      'kube-system',
    ]);
  });

  it('labels and unlabels a namespace and selects pods by label', async () => {
    expect(
      (
        await kubectl('label', 'namespace', 'default', 'istio.io/use-waypoint=waypoint')
      ).stdout.trim(),
    ).toBe('namespace/default labeled');
    const labelled = JSON.parse(
      (await kubectl('get', 'namespace', 'default', '-o', 'json')).stdout,
    );
    expect(labelled.metadata.labels['istio.io/use-waypoint']).toBe('waypoint');
    expect(
      (await kubectl('label', 'namespace', 'default', 'istio.io/use-waypoint-')).stdout.trim(),
    ).toBe('namespace/default unlabeled');
    const v2 = await kubectl('get', 'pods', '-l', 'app=reviews,version=v2', '-o', 'name');
    expect(v2.stdout.trim()).toBe('pod/reviews-v2-6f85cb9b7c-9jbd8');
  });

  it('prints the server 422 for a label value only the server checks (server-side apply)', async () => {
    const file = join(dir, 'bad-label.yaml');
    await writeFile(
      file,
      [
        'apiVersion: v1',
        'kind: Namespace',
        'metadata:',
        '  name: bad-label',
        '  labels:',
        "    team: 'not valid!'",
        '',
      ].join('\n'),
    );
    const before = local.server.requestCount;
    const applied = await kubectl('apply', '--server-side', '-f', file);
    expect(applied.code).not.toBe(0);
    // kubectl's rendering of a 422 Status: "The " + the server's message.
    expect(applied.stderr.trim()).toBe(
      `The Namespace "bad-label" is invalid: metadata.labels: Invalid value: "not valid!": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    );
    expect(local.server.requestsSince(before)).toContain(
      'PATCH /api/v1/namespaces/bad-label?fieldManager=kubectl&fieldValidation=Strict&force=false',
    );
  });

  it('creates RBAC objects and prints the server 422 for what a real server refuses', async () => {
    const binding = (role: string): string[] => [
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRoleBinding',
      'metadata:',
      '  name: readers',
      'roleRef:',
      '  apiGroup: rbac.authorization.k8s.io',
      '  kind: ClusterRole',
      `  name: ${role}`,
      'subjects:',
      '  - apiGroup: rbac.authorization.k8s.io',
      '    kind: Group',
      '    name: readers',
    ];
    const valid = join(dir, 'rbac-binding.yaml');
    await writeFile(valid, [...binding('view'), ''].join('\n'));
    // `kubectl create -f` (JSON); the `kubectl create clusterrolebinding` generator sends protobuf.
    expect((await kubectl('create', '-f', valid)).stdout.trim()).toBe(
      'clusterrolebinding.rbac.authorization.k8s.io/readers created',
    );
    const wide = (await kubectl('get', 'clusterrolebinding', 'readers', '-o', 'wide')).stdout;
    expect(wide.split('\n')[0]).toMatch(/^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS$/);
    expect(wide.split('\n')[1]).toMatch(/^readers\s+ClusterRole\/view\s+\S+\s+readers\s*$/);
    const invalid = join(dir, 'rbac-invalid.yaml');
    await writeFile(
      invalid,
      [
        ...binding('edit'),
        '---',
        'apiVersion: rbac.authorization.k8s.io/v1',
        'kind: ClusterRole',
        'metadata:',
        '  name: no-verbs',
        'rules:',
        '  - apiGroups: [""]',
        '    resources: [pods]',
        '',
      ].join('\n'),
    );
    const roleRef =
      'ClusterRoleBinding.rbac.authorization.k8s.io "readers" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"}: cannot change roleRef';
    const verbs =
      'ClusterRole.rbac.authorization.k8s.io "no-verbs" is invalid: rules[0].verbs: Required value: verbs must contain at least one value';
    const serverSide = await kubectl('apply', '--server-side', '--force-conflicts', '-f', invalid);
    expect([serverSide.code, serverSide.stderr.trim().split('\n')]).toEqual([
      1,
      [`Error from server (Invalid): ${roleRef}`, `Error from server (Invalid): ${verbs}`],
    ]);
    const clientSide = await kubectl('apply', '-f', invalid);
    expect(clientSide.code).toBe(1);
    expect(clientSide.stderr).toContain(`error when patching "${invalid}": ${roleRef}\n`);
    expect(clientSide.stderr).toContain(`error when creating "${invalid}": ${verbs}\n`);
    const live = JSON.parse(
      (await kubectl('get', 'clusterrolebinding', 'readers', '-o', 'json')).stdout,
    );
    expect(live.roleRef.name).toBe('view');
    expect((await kubectl('get', 'clusterrole', 'no-verbs')).stderr.trim()).toBe(
      'Error from server (NotFound): clusterroles.rbac.authorization.k8s.io "no-verbs" not found',
    );
  });

  it('server-side applies the generated waypoint, which istiod programs, then deletes it', async () => {
    const file = join(dir, 'waypoint.yaml');
    await writeFile(
      file,
      renderWaypointYaml(generateWaypoint({ namespace: 'default', for: 'service' })),
    );
    const applied = await kubectl('apply', '--server-side', '-f', file);
    expect([applied.code, applied.stdout.trim()]).toEqual([
      0,
      'gateway.gateway.networking.k8s.io/waypoint serverside-applied',
    ]);
    const waited = await kubectl(
      'wait',
      '--for=condition=Programmed',
      'gateway/waypoint',
      '--timeout=10s',
    );
    expect(waited.stdout.trim()).toBe('gateway.gateway.networking.k8s.io/waypoint condition met');
    const listed = await kubectl('get', 'gateways');
    expect(listed.stdout).toMatch(
      /waypoint\s+istio-waypoint\s+waypoint\.default\.svc\.cluster\.local\s+True/,
    );
    const deleted = await kubectl('delete', 'gateway', 'waypoint');
    expect(deleted.stdout.trim()).toBe('gateway.gateway.networking.k8s.io "waypoint" deleted');
    expect((await kubectl('get', 'gateway', 'waypoint')).stderr).toContain(
      'gateways.gateway.networking.k8s.io "waypoint" not found',
    );
  });

  it('applies, gets, labels and deletes ServiceEntries, WorkloadEntries and the mesh ConfigMap', async () => {
    const file = join(dir, 'entries.yaml');
    await writeFile(
      file,
      [
        'apiVersion: networking.istio.io/v1',
        'kind: ServiceEntry',
        'metadata:',
        '  name: httpbin-ext',
        '  namespace: default',
        'spec:',
        '  hosts: [httpbin.org]',
        '  location: MESH_EXTERNAL',
        '  resolution: DNS',
        '  ports: [{number: 80, name: http, protocol: HTTP}]',
        '---',
        'apiVersion: networking.istio.io/v1',
        'kind: WorkloadEntry',
        'metadata:',
        '  name: vm-1',
        '  namespace: default',
        'spec:',
        '  address: 10.9.0.1',
        '  labels: {app: vm}',
        '---',
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: istio',
        '  namespace: istio-system',
        'data:',
        '  mesh: |-',
        '    discoverySelectors:',
        '    - matchLabels: {istio-discovery: enabled}',
        '',
      ].join('\n'),
    );
    const applied = await kubectl('apply', '--server-side', '-f', file);
    expect([applied.code, applied.stdout.trim().split('\n')]).toEqual([
      0,
      [
        'serviceentry.networking.istio.io/httpbin-ext serverside-applied',
        'workloadentry.networking.istio.io/vm-1 serverside-applied',
        'configmap/istio serverside-applied',
      ],
    ]);
    const entries = await kubectl('get', 'serviceentries');
    expect(entries.stdout.split('\n')[0]).toMatch(/^NAME\s+HOSTS\s+LOCATION\s+RESOLUTION\s+AGE$/);
    expect(entries.stdout).toMatch(/httpbin-ext\s+\["httpbin.org"\]\s+MESH_EXTERNAL\s+DNS/);
    expect((await kubectl('get', 'se', '-o', 'name')).stdout.trim()).toBe(
      'serviceentry.networking.istio.io/httpbin-ext',
    );
    const workloads = await kubectl('get', 'we');
    expect(workloads.stdout).toMatch(/vm-1\s+\S+\s+10\.9\.0\.1/);
    const labelled = await kubectl(
      'label',
      'serviceentry',
      'httpbin-ext',
      'istio.io/use-waypoint=egress',
    );
    expect(labelled.stdout.trim()).toBe('serviceentry.networking.istio.io/httpbin-ext labeled');
    const mesh = await kubectl(
      'get',
      'configmap',
      'istio',
      '-n',
      'istio-system',
      '-o',
      'jsonpath={.data.mesh}',
    );
    expect(mesh.stdout).toContain('istio-discovery: enabled');
    expect((await kubectl('get', 'cm', '-n', 'istio-system')).stdout).toMatch(
      /^NAME\s+DATA\s+AGE\nistio\s+1\s/,
    );
    const deleted = await kubectl('delete', '-f', file);
    expect(deleted.code).toBe(0);
    expect((await kubectl('get', 'serviceentries')).stderr).toContain('No resources found');
  });
});
