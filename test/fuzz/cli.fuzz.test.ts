/**
 * `waypointer bindings|plan -f -` with any stdin (bytes, YAML, JSON, snapshots near valid ones):
 * exit 0, or exit 1 with an `Error:` line; never a throw, never a stack trace.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { editedJson, nastyJson, nastyString } from '../support/arbitraries.ts';
import { cli } from '../support/cli.ts';
import { fuzzParameters, timeLimit } from './runs.ts';

const WALKTHROUGH = JSON.parse(
  readFileSync(new URL('../fixtures/bookinfo-walkthrough.json', import.meta.url), 'utf8'),
);

/** What a user may pipe in. */
const stdin: fc.Arbitrary<string> = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('utf8')),
  nastyString,
  nastyJson.map((value) => JSON.stringify(value)),
  nastyJson.map((value) => stringify(value)),
  editedJson(WALKTHROUGH, 6).map((doc) => JSON.stringify(doc)),
  editedJson(WALKTHROUGH, 6).map((doc) => stringify(doc)),
  // Several YAML documents, some cut short.
  fc.tuple(editedJson(WALKTHROUGH, 3), fc.nat()).map(([doc, cut]) => {
    const text = `${stringify(doc)}---\n${stringify(doc)}`;
    return text.slice(0, cut % (text.length + 1));
  }),
);

/** What follows `-f -`: an output format, a namespace, and for plan a mutation. */
const args: fc.Arbitrary<readonly string[]> = fc.oneof(
  fc.constantFrom<readonly string[]>(
    ['bindings'],
    ['bindings', '-A'],
    ['bindings', '-n', 'default', '-o', 'json'],
  ),
  fc.constantFrom<readonly string[]>(
    ['plan', 'apply', '--enroll-namespace'],
    ['plan', 'enroll', 'service', 'reviews', '--waypoint', 'waypoint'],
    ['plan', 'delete', 'waypoint', '--unenroll'],
    ['plan', 'unenroll', 'pods', '-l', 'app=reviews', '-o', 'yaml'],
  ),
);

function expectCleanExit(result: { code: number; stderr: string }): void {
  expect([0, 1]).toContain(result.code);
  if (result.code === 1) expect(result.stderr).toMatch(/^Error: /m);
  expect(result.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
}

describe('the CLI on any input', () => {
  it(
    'exits 0, or 1 with an Error: line, whatever stdin holds',
    async () => {
      await fc.assert(
        fc.asyncProperty(args, stdin, async ([verb, ...rest], input) => {
          const result = await cli([verb as string, '-f', '-', ...rest], input);
          expectCleanExit(result);
        }),
        fuzzParameters(300),
      );
    },
    timeLimit(300, 20),
  );

  it(
    'exits 0, or 1 with an Error: line, whatever the arguments',
    async () => {
      const argv = fc.array(
        fc.oneof(
          nastyString,
          fc.constantFrom(
            '-n',
            '-A',
            '-o',
            '-l',
            '--waypoint',
            '--for',
            '--',
            '-',
            'enroll',
            'pod',
          ),
        ),
        { maxLength: 8 },
      );
      const input = JSON.stringify(WALKTHROUGH);
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('bindings', 'plan'), argv, async (verb, rest) => {
          expectCleanExit(await cli([verb, '-f', '-', ...rest], input));
        }),
        fuzzParameters(300),
      );
    },
    timeLimit(300, 20),
  );
});
