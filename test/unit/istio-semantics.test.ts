/**
 * Every Istio rule the code and the tests cite resolves in `docs/istio-semantics.md`: a section
 * (`§5`, `§11.2`) to one of its headings, a rule id (`R4`, `K1`) to a row of one of its rule
 * tables. Citations of other documents (`RFC 7386 §2`, `DESIGN §1`) are not checked.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const SEMANTICS = readFileSync(join(ROOT, 'docs/istio-semantics.md'), 'utf8');
const SEARCHED = ['bin', 'docs', 'functions', 'infra', 'shared', 'test', 'README.md'];

/** The repository's TypeScript and Markdown files (dependencies and build output aside). */
function sources(): { path: string; text: string }[] {
  const files: string[] = [];
  for (const top of SEARCHED) {
    const path = join(ROOT, top);
    if (top.endsWith('.md')) {
      files.push(path);
      continue;
    }
    for (const entry of readdirSync(path, { recursive: true, encoding: 'utf8' })) {
      if (/\.(ts|md)$/.test(entry) && !entry.split('/').includes('node_modules')) {
        files.push(join(path, entry));
      }
    }
  }
  return files.map((file) => ({ path: relative(ROOT, file), text: readFileSync(file, 'utf8') }));
}

/** `## 5. Resolving ...` and `### 11.2 The generated ...` give `5` and `11.2`. */
const SECTIONS = new Set(
  [...SEMANTICS.matchAll(/^#{2,3} (\d+(?:\.\d+)?)\.? /gm)].map((m) => m[1] as string),
);
/** `| W1 | ...` rows of the rule tables. */
const RULES = new Set([...SEMANTICS.matchAll(/^\| ([A-Z]\d+) \|/gm)].map((m) => m[1] as string));

/**
 * A run of section citations, with the document it names when it names one: `§6, §9`,
 * `DESIGN §4, §7`, `RFC 6901 §4`.
 */
const CITATION = /(?:\b(DESIGN|RFC \d+)\s+)?§\d+(?:\.\d+)?(?:\s*,\s*§\d+(?:\.\d+)?)*/g;
/** A rule id opening a test name, in a list or a range: `'W1 ..`, `(R1, R2)`, `A1-A5`, `K4/§9`. */
const RULE_ID = /(?<=['"`(/ ,-])([WPARKN]\d{1,2})(?=[ /,)-])/g;

function citedSections(text: string): string[] {
  const cited: string[] = [];
  for (const run of text.matchAll(CITATION)) {
    if (run[1] !== undefined) continue;
    for (const id of run[0].matchAll(/§(\d+(?:\.\d+)?)/g)) cited.push(id[1] as string);
  }
  return cited;
}

describe('citations of docs/istio-semantics.md', () => {
  const files = sources();

  it('finds the sections and rule tables it checks against', () => {
    expect([...SECTIONS]).toEqual(expect.arrayContaining(['1', '5', '10', '11.2', '14']));
    expect([...RULES]).toEqual(expect.arrayContaining(['W1', 'P5', 'A5', 'R7', 'K5', 'N1', 'N9']));
  });

  it('reads section ids as they are cited, and skips other documents', () => {
    expect(citedSections('(§6, §9) K4/§9 §11.2.')).toEqual(['6', '9', '9', '11.2']);
    expect(citedSections('DESIGN §4, §7; RFC 7386 §2 MergePatch')).toEqual([]);
  });

  it('every cited section is a heading', () => {
    const missing = files.flatMap(({ path, text }) =>
      citedSections(text)
        .filter((id) => !SECTIONS.has(id))
        .map((id) => `${path}: §${id}`),
    );
    expect(missing).toEqual([]);
  });

  it('every cited rule id is a row of a rule table', () => {
    const cited = files.flatMap(({ path, text }) =>
      [...text.matchAll(RULE_ID)].map((m) => ({ path, id: m[1] as string })),
    );
    expect(cited.length).toBeGreaterThan(50);
    expect(
      cited.filter(({ id }) => !RULES.has(id)).map(({ path, id }) => `${path}: ${id}`),
    ).toEqual([]);
  });

  it('no file sends the reader to the semantics reference outside the repository', () => {
    const outside = files
      .filter(({ text }) => text.includes(`shared/reference/${'istio-waypoint-semantics'}`))
      .map(({ path }) => path);
    expect(outside).toEqual([]);
  });
});
