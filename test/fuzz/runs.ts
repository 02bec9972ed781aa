/**
 * How many cases each fuzz property runs: a few hundred in `npm test`, `FUZZ_RUNS` in `npm run fuzz`
 * (10,000). fast-check prints the seed and path of a failing case; `FUZZ_SEED` replays a run.
 */
import type fc from 'fast-check';

/** `npm test`'s number of cases unless `FUZZ_RUNS` says otherwise. */
export function runs(reduced: number): number {
  const given = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(given) && given > 0 ? given : reduced;
}

/** fast-check's parameters for a property: its runs, and the seed to replay when one is given. */
export function fuzzParameters(reduced: number): fc.Parameters<unknown> {
  const seed = Number(process.env.FUZZ_SEED);
  return { numRuns: runs(reduced), ...(Number.isInteger(seed) ? { seed } : {}) };
}

/** A test's time limit for `cases` cases at `msPerCase` each (vitest's default is 5 s). */
export function timeLimit(reduced: number, msPerCase: number): number {
  return Math.max(30_000, runs(reduced) * msPerCase);
}
