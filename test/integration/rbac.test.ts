/**
 * infra/kubernetes/rbac.yaml grants exactly what the cluster adapter uses: every request the
 * adapter sends on the embedded API server, mapped to the (group, resource, verb) the API server's
 * authorizer checks, must be granted, and every granted verb must be used. The real kubectl then
 * applies the file to the same embedded cluster (server-side and client-side) and reads it back.
 * The embedded server stores RBAC objects but authorizes nothing with them.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalCluster } from '@waypointer/kube-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { KubernetesCluster } from '../../shared/adapters/kubernetes/cluster.ts';
import { generateWaypoint, waypointManifest } from '../../shared/domain/generate.ts';
import { cluster, kubeConfigOf } from '../support/kube.ts';

interface Rule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
}

const RBAC_YAML = fileURLToPath(new URL('../../infra/kubernetes/rbac.yaml', import.meta.url));

/** The rules of a ClusterRole as `group/resource verb` attributes. */
const grants = (rules: readonly Rule[]): string[] =>
  rules.flatMap((r) =>
    r.apiGroups.flatMap((g) =>
      r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res} ${v}`)),
    ),
  );

const granted = async (): Promise<Set<string>> => {
  const documents = parseAllDocuments(await readFile(RBAC_YAML, 'utf8'));
  const role = (Array.isArray(documents) ? documents : [])
    .map((d) => d.toJS() as { kind: string; rules?: Rule[] })
    .find((d) => d.kind === 'ClusterRole');
  return new Set(grants(role?.rules ?? []));
};

const PATH =
  /^\/(?:api\/v1|apis\/([^/]+)\/v1)(?:\/namespaces\/([^/?]+))?\/([a-z]+)(?:\/([^/?]+))?(?:\/([a-z]+))?(?:\?(.*))?$/;

/** The attributes the API server's authorizer sees for a request, as `group/resource verb`. */
function attributes(request: string, created: Set<string>): string[] {
  const [method, url] = request.split(' ') as [string, string];
  // `/api/v1/namespaces/default` is the Namespace itself: no namespace segment, resource namespaces.
  const match = PATH.exec(url);
  if (match === null) return [`unknown ${request}`];
  const [, group = '', namespace, resource, name, , query = ''] = match;
  const target = `${group}/${resource}`;
  if (method === 'GET') {
    if (name === undefined)
      return [`${target} ${/(^|&)watch=(1|true)/.test(query) ? 'watch' : 'list'}`];
    return [`${target} get`];
  }
  if (method === 'PATCH') {
    const key = `${target}/${namespace}/${name}`;
    return created.has(key) ? [`${target} patch`, `${target} create`] : [`${target} patch`];
  }
  if (method === 'DELETE') return [`${target} delete`];
  if (method === 'POST') return [`${target} create`];
  return [`${target} ${method.toLowerCase()}`];
}

/** Everything the adapter can do: reads, a Gateway created by apply, labels, a wait, a delete. */
async function driveAdapter(local: LocalCluster): Promise<Set<string>> {
  const adapter = new KubernetesCluster(kubeConfigOf(local), { pollIntervalMs: 20 });
  const before = local.server.requestCount;
  await adapter.namespaceSnapshot('default');
  await adapter.clusterSnapshot();
  await adapter.getNamespace('default');
  await adapter.listGateways('default');
  await adapter.applyGateway(
    waypointManifest(generateWaypoint({ namespace: 'default', name: 'rbac-probe' })),
  );
  await adapter.waitForProgrammed('default', 'rbac-probe', 5000);
  await adapter.getGateway('default', 'rbac-probe');
  await adapter.setLabels({ kind: 'namespace', namespace: 'default' }, { team: 'a' });
  await adapter.setLabels(
    { kind: 'service', namespace: 'default', name: 'reviews' },
    { team: 'a' },
  );
  await adapter.setLabels(
    { kind: 'pods', namespace: 'default', selector: 'app=reviews' },
    { team: 'a' },
  );
  await adapter.setLabels(
    { kind: 'pods', namespace: 'default', names: ['reviews-v1-6584ddcf65-qv7rn'] },
    { team: null },
  );
  await adapter.existingPods('default', ['reviews-v1-6584ddcf65-qv7rn', 'gone']);
  await adapter.deleteGateway('default', 'rbac-probe');
  const requests = local.server.requestsSince(before);
  const created = new Set(['gateway.networking.k8s.io/gateways/default/rbac-probe']);
  return new Set(requests.flatMap((r) => attributes(r, created)));
}

let local: LocalCluster;
let dir: string;
/** The attributes of the adapter's requests, recorded once for every test below. */
let used: Set<string>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rbac-'));
  local = await cluster({ kubeconfigOut: join(dir, 'kubeconfig') });
  used = await driveAdapter(local);
});
afterAll(async () => {
  await local.stop();
});

describe('the ClusterRole of infra/kubernetes/rbac.yaml', () => {
  it('grants every request the adapter sends, and nothing it does not use', async () => {
    expect([...used].filter((a) => a.startsWith('unknown'))).toEqual([]);
    expect([...used].sort()).toEqual([...(await granted())].sort());
  });
});

function kubectlInstalled(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
    return true;
  } catch {
    return false;
  }
}

const installed = kubectlInstalled();
if (!installed)
  process.stderr.write('kubectl is not installed: the kubectl apply tests are skipped\n');

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

interface Applied {
  readonly role: { rules: Rule[]; metadata: { resourceVersion: string } };
  readonly binding: {
    roleRef: unknown;
    subjects: unknown;
    metadata: { resourceVersion: string };
  };
}

/** `kubectl get clusterrole,clusterrolebinding -o json`: the two objects named waypointer. */
async function readBack(): Promise<Applied> {
  const got = await kubectl('get', 'clusterrole,clusterrolebinding', '-o', 'json');
  expect(got.code).toBe(0);
  const items = JSON.parse(got.stdout).items as { kind: string; metadata: { name: string } }[];
  const find = (kind: string): any =>
    items.find((i) => i.kind === kind && i.metadata.name === 'waypointer');
  return { role: find('ClusterRole'), binding: find('ClusterRoleBinding') };
}

/** What the file says besides the rules: the binding of the role to the group. */
function expectBinding(applied: Applied): void {
  expect(applied.binding.roleRef).toEqual({
    apiGroup: 'rbac.authorization.k8s.io',
    kind: 'ClusterRole',
    name: 'waypointer',
  });
  expect(applied.binding.subjects).toEqual([
    { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'waypointer' },
  ]);
}

const versions = (applied: Applied): string[] => [
  applied.role.metadata.resourceVersion,
  applied.binding.metadata.resourceVersion,
];

describe.runIf(installed)(
  'kubectl applies infra/kubernetes/rbac.yaml to the embedded cluster',
  () => {
    it('server-side: the applied rules are the verbs the adapter used; a re-apply is a no-op', async () => {
      const first = await kubectl('apply', '--server-side', '-f', RBAC_YAML);
      expect([first.code, first.stdout.trim().split('\n')]).toEqual([
        0,
        [
          'clusterrole.rbac.authorization.k8s.io/waypointer serverside-applied',
          'clusterrolebinding.rbac.authorization.k8s.io/waypointer serverside-applied',
        ],
      ]);
      const applied = await readBack();
      expect(grants(applied.role.rules).sort()).toEqual([...used].sort());
      expectBinding(applied);
      const again = await kubectl('apply', '--server-side', '-f', RBAC_YAML);
      expect(again.code).toBe(0);
      expect(versions(await readBack())).toEqual(versions(applied));
      const deleted = await kubectl('delete', '-f', RBAC_YAML);
      expect(deleted.stdout.trim().split('\n')).toEqual([
        'clusterrole.rbac.authorization.k8s.io "waypointer" deleted',
        'clusterrolebinding.rbac.authorization.k8s.io "waypointer" deleted',
      ]);
    });

    it('client-side: created, then unchanged on a re-apply, with the same rules', async () => {
      const first = await kubectl('apply', '-f', RBAC_YAML);
      expect([first.code, first.stdout.trim().split('\n')]).toEqual([
        0,
        [
          'clusterrole.rbac.authorization.k8s.io/waypointer created',
          'clusterrolebinding.rbac.authorization.k8s.io/waypointer created',
        ],
      ]);
      const applied = await readBack();
      expect(grants(applied.role.rules).sort()).toEqual([...used].sort());
      expectBinding(applied);
      const again = await kubectl('apply', '-f', RBAC_YAML);
      expect(again.stdout.trim().split('\n')).toEqual([
        'clusterrole.rbac.authorization.k8s.io/waypointer unchanged',
        'clusterrolebinding.rbac.authorization.k8s.io/waypointer unchanged',
      ]);
      expect(versions(await readBack())).toEqual(versions(applied));
    });

    it('does not answer kubectl auth can-i: the embedded server stores RBAC but enforces none', async () => {
      const asked = await kubectl(
        'auth',
        'can-i',
        'list',
        'pods',
        '--as=probe',
        '--as-group=waypointer',
      );
      expect(asked.code).not.toBe(0);
      expect(asked.stderr.trim()).toBe(
        'Error from server (NotFound): the server could not find the requested resource',
      );
    });
  },
);
