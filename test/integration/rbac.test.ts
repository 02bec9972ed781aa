/**
 * infra/kubernetes/rbac.yaml grants exactly what the cluster adapter uses: every request the
 * adapter sends on the embedded API server, mapped to the (group, resource, verb) the API server's
 * authorizer checks, must be granted, and every granted verb must be used.
 */
import { readFileSync } from 'node:fs';
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

const granted = (): Set<string> => {
  const documents = parseAllDocuments(
    readFileSync(new URL('../../infra/kubernetes/rbac.yaml', import.meta.url), 'utf8'),
  );
  const role = (Array.isArray(documents) ? documents : [])
    .map((d) => d.toJS() as { kind: string; rules?: Rule[] })
    .find((d) => d.kind === 'ClusterRole');
  return new Set(
    (role?.rules ?? []).flatMap((r) =>
      r.apiGroups.flatMap((g) =>
        r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res} ${v}`)),
      ),
    ),
  );
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

let local: LocalCluster;
beforeAll(async () => {
  local = await cluster();
});
afterAll(async () => {
  await local.stop();
});

describe('the ClusterRole of infra/kubernetes/rbac.yaml', () => {
  it('grants every request the adapter sends, and nothing it does not use', async () => {
    const adapter = new KubernetesCluster(kubeConfigOf(local), { pollIntervalMs: 20 });
    const before = local.server.requestCount;
    // Everything the adapter can do: reads, a Gateway created by apply, labels, a wait, a delete.
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
    const used = new Set(requests.flatMap((r) => attributes(r, created)));
    expect([...used].filter((a) => a.startsWith('unknown'))).toEqual([]);
    expect([...used].sort()).toEqual([...granted()].sort());
  });
});
