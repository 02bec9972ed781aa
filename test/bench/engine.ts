/**
 * The engine benchmarks (`engine-100k`, `engine-1m`): the binding engine over a synthetic cluster
 * against `JSON.parse` of the same objects as kubectl Lists, time and peak memory.
 *
 * Each measurement runs in a fresh Node process of its own (`engine-child.ts`), so that neither
 * the other measurement's heap nor an earlier benchmark pollutes its memory figures:
 * - `engine`: builds the snapshot, then times `computeBindings` (median of the runs after a
 *   warm-up) while a worker thread samples the process's RSS every 2 ms;
 * - `parse`: builds the kubectl List JSON, then times `JSON.parse` of it the same way.
 * A List of a million pods is larger than V8's longest string (about 512 MiB), so the input is
 * cut into Lists of at most {@link SHARD_ITEMS} objects, parsed one after the other; `parseMs` is
 * the time to parse them all.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { computeBindings } from '../../shared/domain/bindings.ts';
import type { ClusterSnapshot } from '../../shared/domain/model.ts';
import { SIZE_1M, SIZE_100K, type SyntheticSize, syntheticItems } from './synthetic-cluster.ts';

/** The sizes, by the name the benchmark carries. */
export const ENGINE_SIZES: Readonly<Record<string, { size: SyntheticSize; runs: number }>> = {
  '100k': { size: SIZE_100K, runs: 7 },
  '1m': { size: SIZE_1M, runs: 3 },
};

/** The most objects one List of the parse measurement holds (the 100k cluster is one List). */
export const SHARD_ITEMS = 125_000;

const MB = 1024 * 1024;

/** What one child measurement prints. */
export interface ChildResult {
  /** Median time of one pass over the whole input, ms. */
  readonly ms: number;
  /** RSS just before the timed passes, with the input in memory (MiB). */
  readonly rssBeforeMb: number;
  /** The highest RSS sampled during the timed passes (MiB). */
  readonly peakRssMb: number;
  /** The process's own high-water mark, `resourceUsage().maxRSS` (MiB). */
  readonly maxRssMb: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

export function snapshotOf(items: readonly { kind?: string }[]): ClusterSnapshot {
  const of = (kind: string): never[] => items.filter((o) => o.kind === kind) as never[];
  return {
    namespaces: of('Namespace'),
    services: of('Service'),
    pods: of('Pod'),
    gateways: of('Gateway'),
    gatewayClasses: of('GatewayClass'),
  };
}

/** A worker thread that records the highest process RSS it sees, every 2 ms, until stopped. */
async function rssSampler(): Promise<{ stop: () => Promise<number> }> {
  const shared = new SharedArrayBuffer(16);
  const cells = new BigInt64Array(shared);
  const worker = new Worker(
    `const { workerData, parentPort } = require('node:worker_threads');
     const cells = new BigInt64Array(workerData);
     const sample = () => {
       const rss = BigInt(process.memoryUsage.rss());
       if (rss > Atomics.load(cells, 0)) Atomics.store(cells, 0, rss);
     };
     sample();
     const timer = setInterval(() => {
       sample();
       if (Atomics.load(cells, 1) === 1n) { clearInterval(timer); parentPort.close(); }
     }, 2);
     parentPort.postMessage('ready');`,
    { eval: true, workerData: shared },
  );
  await new Promise((resolve) => worker.once('message', resolve));
  return {
    stop: async () => {
      Atomics.store(cells, 1, 1n);
      await new Promise((resolve) => worker.once('exit', resolve));
      return Number(Atomics.load(cells, 0));
    },
  };
}

/** Times `pass` (a warm-up, then `runs` passes) while sampling RSS. */
async function measure(runs: number, pass: () => void): Promise<ChildResult> {
  (globalThis as { gc?: () => void }).gc?.();
  const rssBefore = process.memoryUsage.rss();
  const sampler = await rssSampler();
  const times: number[] = [];
  for (let run = 0; run <= runs; run++) {
    const start = performance.now();
    pass();
    if (run > 0) times.push(performance.now() - start);
  }
  const peak = await sampler.stop();
  return {
    ms: median(times),
    rssBeforeMb: Math.round(rssBefore / MB),
    peakRssMb: Math.round(peak / MB),
    maxRssMb: Math.round((process.resourceUsage().maxRSS * 1024) / MB),
  };
}

/** The input as kubectl Lists of at most {@link SHARD_ITEMS} objects. */
function listTexts(items: readonly object[]): string[] {
  const texts: string[] = [];
  for (let i = 0; i < items.length; i += SHARD_ITEMS) {
    texts.push(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        metadata: { resourceVersion: '' },
        items: items.slice(i, i + SHARD_ITEMS),
      }),
    );
  }
  return texts;
}

/**
 * One measurement, in the process it runs in (`engine-child.ts`).
 *
 * @example
 * ```ts
 * await engineMeasurement('engine', '100k'); // { ms: 98.6, rssBeforeMb: 700, ... }
 * ```
 */
export async function engineMeasurement(
  part: 'engine' | 'parse',
  sizeName: string,
): Promise<ChildResult> {
  const spec = ENGINE_SIZES[sizeName];
  if (spec === undefined) throw new Error(`unknown engine size "${sizeName}"`);
  if (part === 'parse') {
    const texts = listTexts(syntheticItems(spec.size));
    return await measure(spec.runs, () => {
      for (const text of texts) JSON.parse(text);
    });
  }
  const snapshot = snapshotOf(syntheticItems(spec.size));
  const check = computeBindings(snapshot);
  if (check.pods.length !== spec.size.pods || check.services.length !== spec.size.services) {
    throw new Error(
      `synthetic cluster has ${check.services.length} services and ${check.pods.length} pods`,
    );
  }
  return await measure(spec.runs, () => computeBindings(snapshot));
}

const CHILD = fileURLToPath(new URL('./engine-child.ts', import.meta.url));

async function child(part: 'engine' | 'parse', sizeName: string): Promise<ChildResult> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', '--max-old-space-size=16384', CHILD, part, sizeName],
    { maxBuffer: 1024 * 1024 },
  );
  return JSON.parse(stdout) as ChildResult;
}

/**
 * `engine-100k` or `engine-1m`: the engine and the parse measurement, each in its own process.
 *
 * @example
 * ```ts
 * await engineBench('1m'); // { bench: 'engine-1m', engineMs, parseMs, ratio, ... }
 * ```
 */
export async function engineBench(sizeName: string): Promise<object> {
  const spec = ENGINE_SIZES[sizeName] as { size: SyntheticSize; runs: number };
  const engine = await child('engine', sizeName);
  const parse = await child('parse', sizeName);
  const round = (n: number, digits: number): number => Number(n.toFixed(digits));
  return {
    bench: `engine-${sizeName}`,
    pods: spec.size.pods,
    services: spec.size.services,
    runs: spec.runs,
    engineMs: round(engine.ms, 1),
    parseMs: round(parse.ms, 1),
    ratio: round(engine.ms / parse.ms, 3),
    // Peak memory while the engine runs, and what the snapshot alone holds before it.
    engineRssBeforeMb: engine.rssBeforeMb,
    enginePeakRssMb: engine.peakRssMb,
    engineMaxRssMb: engine.maxRssMb,
    parseRssBeforeMb: parse.rssBeforeMb,
    parsePeakRssMb: parse.peakRssMb,
    parseMaxRssMb: parse.maxRssMb,
  };
}
