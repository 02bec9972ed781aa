/**
 * The seed walkthrough (DESIGN §1) through `waypointer ... --kubeconfig` on the embedded cluster,
 * with istioctl's output, and the same commands through `--api` against the local HTTP API with
 * SigV4-signed requests.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { LocalCluster } from '@waypointer/kube-api';
import { type HttpHandler, startGateway } from '@waypointer/local-stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApi } from '../../functions/http-api/app.ts';
import { KubernetesCluster } from '../../shared/adapters/kubernetes/cluster.ts';
import { StaticClusterRegistry } from '../../shared/adapters/kubernetes/registry.ts';
import { LOCAL_PERMISSIVE } from '../../shared/app/authorization.ts';
import { runCli } from '../../shared/commands/cli.ts';
import { cluster, kubeConfigOf, raw } from '../support/kube.ts';

const FAST = { pollIntervalMs: 20, baseDelayMs: 5, maxDelayMs: 20 };

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readInput: () => Promise.reject(new Error('no input')),
    env: {},
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    kubernetes: FAST,
  });
  return { code, stdout, stderr };
}

let local: LocalCluster;
let kubeconfig: string;

beforeAll(async () => {
  local = await cluster();
  kubeconfig = join(mkdtempSync(join(tmpdir(), 'waypointer-cli-')), 'kubeconfig');
  writeFileSync(kubeconfig, local.server.kubeconfig());
});
afterAll(async () => {
  await local.stop();
});

describe('the seed walkthrough with --kubeconfig', () => {
  const k = (...words: string[]): string[] => [...words, '--kubeconfig', kubeconfig];

  it('runs apply, enroll, list, status, bindings, explain and delete as istioctl prints them', async () => {
    expect(await run(k('list'))).toEqual({ code: 0, stdout: 'No waypoints found.\n', stderr: '' });
    expect(await run(k('apply', '-n', 'default', '--enroll-namespace', '--wait'))).toEqual({
      code: 0,
      stdout:
        '✅ waypoint default/waypoint applied\n✅ waypoint default/waypoint is ready!\n✅ namespace default labeled with "istio.io/use-waypoint: waypoint"\n',
      stderr: '',
    });
    expect((await run(k('apply', '--enroll-namespace'))).stdout).toBe(
      '⚠️ Warning: namespace (default) already has an enrolled Waypoint. Consider adding the `--overwrite` flag to your apply command.\n',
    );
    expect((await run(k('apply', '--name', 'reviews-svc-waypoint', '-w'))).code).toBe(0);
    const enrolled = await run(
      k('enroll', 'service', 'reviews', '--waypoint', 'reviews-svc-waypoint'),
    );
    expect(enrolled.stdout.split('\n').slice(0, 3)).toEqual([
      '✅ labeled service default/reviews with "istio.io/use-waypoint: reviews-svc-waypoint"',
      'KIND      NAMESPACE   NAME      TRAFFIC   BEFORE                           AFTER',
      'Service   default     reviews   service   default/waypoint via namespace   default/reviews-svc-waypoint via service',
    ]);
    expect(
      (await run(k('apply', '--name', 'reviews-v2-pod-waypoint', '--for', 'workload', '--wait')))
        .code,
    ).toBe(0);
    const pods = await run(
      k(
        'enroll',
        'pods',
        '-l',
        'app=reviews,version=v2',
        '--waypoint',
        'reviews-v2-pod-waypoint',
        '-o',
        'json',
      ),
    );
    expect(JSON.parse(pods.stdout).changes).toEqual([
      expect.objectContaining({ kind: 'Pod', name: expect.stringMatching(/^reviews-v2-/) }),
    ]);
    expect(await run(k('list'))).toEqual({
      code: 0,
      stdout: [
        'NAME                        REVISION     TRAFFIC TYPE     PROGRAMMED',
        'reviews-svc-waypoint        default      none             True',
        'reviews-v2-pod-waypoint     default      workload         True',
        'waypoint                    default      none             True',
        '',
      ].join('\n'),
      stderr: '',
    });
    const status = await run(k('status', 'waypoint', '-A'));
    expect(status.stdout.split('\n')[0]).toBe(
      'NAMESPACE     NAME         STATUS     TYPE           REASON         MESSAGE',
    );
    expect(status.stdout.split('\n')[1]).toMatch(
      /^default {7}waypoint {5}True {7}Programmed {5}Programmed {5}/,
    );
    const explained = await run(k('explain', 'service/reviews', '-o', 'json'));
    expect(JSON.parse(explained.stdout)).toMatchObject({
      waypoint: { namespace: 'default', name: 'reviews-svc-waypoint' },
      via: 'service',
      rules: [{ id: 'R1' }],
      condition: { reason: 'WaypointAccepted' },
    });
    const bindings = JSON.parse((await run(k('bindings', '-o', 'json'))).stdout);
    expect(
      bindings.services.find((s: { name: string }) => s.name === 'reviews').waypoint.name,
    ).toBe('reviews-svc-waypoint');
    expect(await run(k('delete', 'nope'))).toEqual({
      code: 0,
      stdout: 'waypoint default/nope not found\n',
      stderr: '',
    });
    expect(await run(k('delete', 'reviews-v2-pod-waypoint', '--unenroll'))).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/waypoint default\/reviews-v2-pod-waypoint deleted\n$/),
    });
    expect(await run(k('delete', 'waypoint'))).toMatchObject({
      code: 1,
      stderr:
        'Error: waypoint default/waypoint is still used by Namespace default: pass --unenroll to remove their istio.io/use-waypoint labels too, or --force to leave them dangling\n',
    });
  });

  it('previews a walkthrough with plan, each step on the state the one before leaves', async () => {
    const { code, stdout } = await run(
      k(
        'plan',
        'apply --name p --for workload; enroll pods -l app=ratings --waypoint p',
        '-o',
        'json',
      ),
    );
    expect(code).toBe(0);
    const { steps } = JSON.parse(stdout);
    expect(steps).toHaveLength(2);
    expect(steps[1].changes).toEqual([
      expect.objectContaining({
        kind: 'Pod',
        after: expect.objectContaining({ waypoint: { namespace: 'default', name: 'p' } }),
      }),
    ]);
    expect((await run(k('list', '-o', 'json'))).stdout).not.toContain('"name": "p"');
  });

  it('says what is wrong with a kubeconfig', async () => {
    expect(await run(['list', '--kubeconfig', kubeconfig, '--context', 'nope'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Error: context "nope" does not exist\n',
    });
  });
});

describe('ServiceEntries and WorkloadEntries with --kubeconfig (docs/istio-semantics.md §15)', () => {
  const k = (...words: string[]): string[] => [...words, '--kubeconfig', kubeconfig];
  const KUBE = '/apis/networking.istio.io/v1/namespaces/default';

  it('enrolls a ServiceEntry and a WorkloadEntry, shows them in the bindings table, and unenrolls them', async () => {
    for (const body of [
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'ServiceEntry',
        metadata: { name: 'ext-api' },
        spec: {
          hosts: ['ext.example.com'],
          resolution: 'STATIC',
          endpoints: [{ address: '10.1.0.1' }],
        },
      },
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'WorkloadEntry',
        metadata: { name: 'vm-1' },
        spec: { address: '10.9.0.1' },
      },
    ])
      expect(
        (
          await raw(local, 'POST', `${KUBE}/${body.kind.toLowerCase().replace(/y$/, 'ie')}s`, {
            body,
          })
        ).status,
      ).toBe(201);
    expect(
      (await run(k('apply', '-n', 'default', '--name', 'egress', '--for', 'all', '--wait'))).code,
    ).toBe(0);
    const se = await run(
      k('enroll', 'serviceentry', 'ext-api', '--waypoint', 'egress', '-n', 'default'),
    );
    expect([se.code, se.stderr]).toEqual([0, '']);
    expect(se.stdout.split('\n')[0]).toBe(
      '✅ labeled serviceentry default/ext-api with "istio.io/use-waypoint: egress"',
    );
    expect(se.stdout).toMatch(
      /ServiceEntry\s+default\s+ext-api\s+service\s+.+\s+default\/egress via serviceentry$/m,
    );
    const warned = await run(
      k('enroll', 'we', 'vm-1', '--waypoint', 'reviews-svc', '-n', 'default', '--dry-run'),
    );
    expect(warned.stdout).toMatch(/^⚠️ Warning: waypoint default\/reviews-svc does not exist yet/);
    expect(
      (await run(k('enroll', 'we', 'vm-1', '--waypoint', 'egress', '-n', 'default'))).code,
    ).toBe(0);
    const table = await run(k('bindings', '-n', 'default'));
    expect(table.stdout).toMatch(
      /^default\s+ext-api\s+default\/egress\s+serviceentry\s+WaypointAccepted$/m,
    );
    expect(table.stdout).toMatch(
      /^default\s+vm-1\s+-\s+default\/egress\s+workloadentry\s+WaypointAccepted$/m,
    );
    expect(table.stdout).toMatch(/^default\s+ext-api\s+10\.1\.0\.1\s+\S+\s+\S+\s+-$/m);
    // explain walks istiod's decision for each entry, as for a Service and a Pod.
    const explained = await run(k('explain', 'se/ext-api', '-n', 'default'));
    expect([explained.code, explained.stderr]).toEqual([0, '']);
    expect(explained.stdout.split('\n').slice(0, 5)).toEqual([
      'ServiceEntry default/ext-api (service-addressed traffic)',
      '  waypoint:      default/egress via serviceentry',
      "  decided by:    the ServiceEntry's own label istio.io/use-waypoint=egress",
      "  rules:         S1  a ServiceEntry is bound like a Service: its own label beats its namespace's; the waypoint must serve service traffic",
      "                 R1  the object's own istio.io/use-waypoint label beats its namespace's, in every outcome",
    ]);
    const vm = JSON.parse(
      (await run(k('explain', 'workloadentry/vm-1', '-n', 'default', '-o', 'json'))).stdout,
    );
    expect(vm).toMatchObject({
      object: { kind: 'WorkloadEntry', namespace: 'default', name: 'vm-1' },
      traffic: 'workload',
      waypoint: { namespace: 'default', name: 'egress' },
      via: 'workloadentry',
      condition: { status: 'True', reason: 'WaypointAccepted' },
    });
    expect(await run(k('explain', 'we/nope', '-n', 'default'))).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Error: workloadentries "nope" not found\n',
    });
    // list -o json counts them among what is bound to the waypoint.
    const listed = JSON.parse((await run(k('list', '-n', 'default', '-o', 'json'))).stdout);
    expect(listed.waypoints.find((w: { name: string }) => w.name === 'egress').bound).toEqual({
      services: 0,
      pods: 0,
      namespaces: 0,
      serviceEntries: 1,
      workloadEntries: 1,
    });
    const refused = await run(k('delete', 'egress', '-n', 'default'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('ServiceEntry default/ext-api, WorkloadEntry default/vm-1');
    for (const words of [
      ['serviceentry', 'ext-api'],
      ['workloadentry', 'vm-1'],
    ])
      expect((await run(k('unenroll', ...words, '-n', 'default'))).code).toBe(0);
    expect(
      (await raw(local, 'GET', `${KUBE}/serviceentries/ext-api`)).json.metadata.labels ?? {},
    ).toEqual({});
    expect(await run(k('enroll', 'se', 'nope', '--waypoint', 'egress', '-n', 'default'))).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Error: serviceentries.networking.istio.io "nope" not found\n',
    });
    expect((await run(k('delete', 'egress', '-n', 'default'))).code).toBe(0);
  });
});

describe('--api: the same commands through a deployed API', () => {
  let url: string;
  let stop: () => Promise<void>;
  const authorizations: string[] = [];

  beforeAll(async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    const handler = createHttpApi({
      clusters: new StaticClusterRegistry({
        local: new KubernetesCluster(kubeConfigOf(local), FAST),
      }),
      policy: LOCAL_PERMISSIVE,
      logger: new Logger({ serviceName: 'waypointer', logLevel: 'CRITICAL' }),
      metrics: new Metrics({ namespace: 'waypointer', serviceName: 'waypointer' }),
    });
    const recording: HttpHandler = (event, context) => {
      authorizations.push(event.headers?.authorization ?? '');
      return handler(event, context);
    };
    const gateway = await startGateway(recording);
    url = gateway.url;
    stop = () => new Promise<void>((r) => gateway.server.close(() => r()));
  });
  afterAll(async () => {
    await stop();
  });

  it('lists, applies and deletes with SigV4-signed requests', async () => {
    expect(await run(['list', '--api', url])).toEqual({
      code: 1,
      stdout: '',
      stderr: `Error: cannot tell the AWS region of ${url}: set AWS_REGION to sign requests for it\n`,
    });
    const withRegion = async (words: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await runCli([...words, '--api', url], {
        stdout: (t) => {
          stdout += t;
        },
        stderr: (t) => {
          stderr += t;
        },
        readInput: () => Promise.reject(new Error('no input')),
        env: { AWS_REGION: 'eu-west-1' },
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      });
      return { code, stdout, stderr };
    };
    expect(await withRegion(['apply', '--name', 'api-waypoint', '--wait'])).toEqual({
      code: 0,
      stdout:
        '✅ waypoint default/api-waypoint applied\n✅ waypoint default/api-waypoint is ready!\n',
      stderr: '',
    });
    expect((await withRegion(['list'])).stdout).toMatch(
      /^api-waypoint {5,}default {6}none {13}True$/m,
    );
    expect(await withRegion(['delete', 'api-waypoint', 'gone'])).toEqual({
      code: 0,
      stdout: 'waypoint default/api-waypoint deleted\nwaypoint default/gone not found\n',
      stderr: '',
    });
    // plan previews through the API's dry run: one mutation, nothing changed.
    const preview = await withRegion(['plan', 'enroll service ratings -n default --waypoint none']);
    expect(preview.code).toBe(0);
    expect(preview.stdout).toMatch(/Service\s+default\s+ratings\s+service\s+/);
    const ratings = JSON.parse(
      (await withRegion(['bindings', '-n', 'default', '-o', 'json'])).stdout,
    ).services.find((b: { name: string }) => b.name === 'ratings');
    expect(ratings.via).not.toBe('service');
    // Canary commands over the API's canary routes (dry run, then a refusal the API explains).
    const canary = await withRegion([
      'enroll',
      'service',
      'ratings',
      '-n',
      'default',
      '--canary',
      'reviews-svc-waypoint',
      '--weight',
      '5',
      '--dry-run',
    ]);
    expect([canary.code, canary.stderr]).toEqual([0, '']);
    expect(canary.stdout).toMatch(/\+ canary default\/reviews-svc-waypoint 5%/);
    expect(await withRegion(['promote', 'service', 'ratings', '-n', 'default'])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'Error: service default/ratings has no canary of its own (label istio.io/use-waypoint-canary)\n',
    });
    // ServiceEntry enrollment over the API's serviceentries route (dry run: nothing changes).
    const entry = await withRegion(['enroll', 'se', 'ext-api', '--waypoint', 'none', '--dry-run']);
    expect([entry.code, entry.stderr]).toEqual([0, '']);
    expect(entry.stdout).toMatch(/^ServiceEntry\s+default\s+ext-api\s+service\s+/m);
    expect(await withRegion(['unenroll', 'we', 'nope', '--dry-run'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Error: workloadentries.networking.istio.io "nope" not found\n',
    });
    const two = await withRegion(['plan', 'unenroll service reviews ; unenroll service ratings']);
    expect(two.code).toBe(1);
    expect(two.stderr).toMatch(/^Error: over --api, plan previews one mutation/);
    expect(authorizations.length).toBeGreaterThan(3);
    expect(authorizations.at(-1)).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/,
    );
  });
});
