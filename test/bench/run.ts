/**
 * `npm run bench [-- NAME...]`: runs the named benchmarks (all when none is named) and prints one
 * JSON line per benchmark.
 *
 * engine: the binding engine over a synthetic cluster of 1,000 namespaces, 20,000 Services,
 * 100,000 Pods and 1,500 waypoints, against `JSON.parse` of the same objects as a kubectl List.
 * Each figure is the median of several runs after a warm-up. Target: ratio <= 0.5.
 */
import { performance } from 'node:perf_hooks';
import { computeBindings } from '../../shared/domain/bindings.ts';
import type { ClusterSnapshot } from '../../shared/domain/model.ts';
import { SIZE_100K, syntheticItems } from './synthetic-cluster.ts';

const RUNS = 7;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function time(fn: () => unknown): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

function snapshotOf(items: readonly { kind?: string }[]): ClusterSnapshot {
  const of = (kind: string): never[] => items.filter((o) => o.kind === kind) as never[];
  return {
    namespaces: of('Namespace'),
    services: of('Service'),
    pods: of('Pod'),
    gateways: of('Gateway'),
    gatewayClasses: of('GatewayClass'),
  };
}

function engine(): object {
  const text = JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    metadata: { resourceVersion: '' },
    items: syntheticItems(SIZE_100K),
  });
  const parsed = JSON.parse(text) as { items: { kind?: string }[] };
  const snapshot = snapshotOf(parsed.items);
  const check = computeBindings(snapshot);
  if (check.pods.length !== SIZE_100K.pods || check.services.length !== SIZE_100K.services) {
    throw new Error(
      `synthetic cluster has ${check.services.length} services and ${check.pods.length} pods`,
    );
  }
  const parseTimes: number[] = [];
  const engineTimes: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const parseMs = time(() => JSON.parse(text));
    const engineMs = time(() => computeBindings(snapshot));
    if (run > 0) {
      parseTimes.push(parseMs);
      engineTimes.push(engineMs);
    }
  }
  const engineMs = median(engineTimes);
  const parseMs = median(parseTimes);
  const round = (n: number, digits: number): number => Number(n.toFixed(digits));
  return {
    bench: 'engine-100k',
    engineMs: round(engineMs, 1),
    parseMs: round(parseMs, 1),
    ratio: round(engineMs / parseMs, 3),
  };
}

const BENCHES: Record<string, () => object> = { engine };

const names = process.argv.slice(2);
for (const name of names.length === 0 ? Object.keys(BENCHES) : names) {
  const bench = BENCHES[name];
  if (bench === undefined) {
    process.stderr.write(
      `unknown benchmark "${name}"; known: ${Object.keys(BENCHES).join(', ')}\n`,
    );
    process.exitCode = 1;
    continue;
  }
  process.stdout.write(`${JSON.stringify(bench())}\n`);
}
