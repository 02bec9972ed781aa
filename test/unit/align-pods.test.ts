/**
 * The message contract for pods: a pod's own entry exists only while it carries a label the rules
 * read; alignPods gives it, on the other side, the namespace default it had or has, so that
 * before/after are null only for a pod that did not or no longer exists.
 */
import { describe, expect, it } from 'vitest';
import { alignPods, type BindingSet } from '../../shared/domain/bindings.ts';
import { diff } from '../../shared/domain/diff.ts';

const NS = 'shop';
const ref = (name: string): { namespace: string; name: string } => ({ namespace: NS, name });
const set = (namespaceDefault: string | null, pods: Record<string, string>): BindingSet => ({
  services: [],
  namespaces: [
    {
      namespace: NS,
      waypoint: namespaceDefault === null ? null : ref(namespaceDefault),
      via: namespaceDefault === null ? null : 'namespace',
    },
  ],
  pods: Object.entries(pods).map(([name, waypoint]) => ({
    namespace: NS,
    name,
    waypoint: ref(waypoint),
    via: 'pod' as const,
  })),
});

function podChanges(
  before: BindingSet,
  after: BindingSet,
  existedBefore: string[],
  existsNow: string[],
): string[] {
  const aligned = alignPods(before, after, {
    existedBefore: new Set(existedBefore),
    existsNow: new Set(existsNow),
  });
  return diff(aligned.before, aligned.after)
    .filter((c) => c.kind === 'Pod')
    .map(
      (c) =>
        `${c.name}: ${c.before === null ? 'null' : `${c.before.waypoint?.name ?? '-'}/${c.before.via}`} -> ${c.after === null ? 'null' : `${c.after.waypoint?.name ?? '-'}/${c.after.via}`}`,
    );
}

describe('alignPods', () => {
  it.each([
    [
      'an existing pod gets its own label',
      set('ns-wp', {}),
      set('ns-wp', { a: 'pod-wp' }),
      ['a'],
      [],
      ['a: ns-wp/namespace -> pod-wp/pod'],
    ],
    [
      'a pod is created with its label',
      set('ns-wp', {}),
      set('ns-wp', { a: 'pod-wp' }),
      [],
      [],
      ['a: null -> pod-wp/pod'],
    ],
    [
      'a pod loses its label',
      set('ns-wp', { a: 'pod-wp' }),
      set('ns-wp', {}),
      [],
      ['a'],
      ['a: pod-wp/pod -> ns-wp/namespace'],
    ],
    [
      'a labelled pod is deleted',
      set('ns-wp', { a: 'pod-wp' }),
      set('ns-wp', {}),
      [],
      [],
      ['a: pod-wp/pod -> null'],
    ],
    [
      'an existing pod in a namespace without a default',
      set(null, {}),
      set(null, { a: 'pod-wp' }),
      ['a'],
      [],
      ['a: -/null -> pod-wp/pod'],
    ],
    [
      'the namespace default changes while a pod loses its label',
      set('ns-wp', { a: 'pod-wp' }),
      set('other', {}),
      [],
      ['a'],
      ['a: pod-wp/pod -> other/namespace'],
    ],
    [
      'a pod labelled with its namespace default is still a change of via',
      set('ns-wp', {}),
      set('ns-wp', { a: 'ns-wp' }),
      ['a'],
      [],
      ['a: ns-wp/namespace -> ns-wp/pod'],
    ],
    [
      'pods that keep their entries are compared as they are',
      set('ns-wp', { a: 'x' }),
      set('ns-wp', { a: 'y' }),
      ['a'],
      ['a'],
      ['a: x/pod -> y/pod'],
    ],
  ])('%s', (_name, before, after, existedBefore, existsNow, expected) => {
    expect(podChanges(before, after, existedBefore, existsNow)).toEqual(expected);
  });

  it('leaves both sides as they are when no pod moves between them', () => {
    const before = set('ns-wp', { a: 'x' });
    const after = set('ns-wp', { a: 'x' });
    const aligned = alignPods(before, after, { existedBefore: new Set(), existsNow: new Set() });
    expect(aligned.before).toBe(before);
    expect(aligned.after).toBe(after);
  });
});
