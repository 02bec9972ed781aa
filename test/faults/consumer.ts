/**
 * What a consumer of binding-changes.fifo makes of the messages: deduplicated by id, replayed in
 * order per namespace into a view of every object's binding; and the same view of a BindingSet,
 * so that what was published can be compared with what was committed and with the engine.
 */
import type { Message } from '@aws-sdk/client-sqs';
import { type BindingSet, EMPTY_BINDINGS } from '../../shared/domain/bindings.ts';
import { diff } from '../../shared/domain/diff.ts';
import type { BindingChangeEvent } from '../../shared/domain/message.ts';

/** Each object's binding, by `Kind/name`, as canonical JSON. */
export type View = ReadonlyMap<string, string>;

function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** The view of a namespace's bindings (compact form). */
export function viewOf(bindings: BindingSet): View {
  return new Map(
    diff(EMPTY_BINDINGS, bindings).map((c) => [`${c.kind}/${c.name}`, canonical(c.after)]),
  );
}

/** A view as sorted lines, for readable comparisons. */
export function lines(view: View): string[] {
  return [...view.entries()].map(([k, v]) => `${k} ${v}`).sort();
}

/**
 * The lines that say where traffic goes, as a consumer keeps them: a Pod entry bound other than by
 * its own label (`via` not `pod`) is left out. Such an entry is what a message says of a pod that
 * lost its label (its namespace default at that time: README, "The message") or of a waypoint
 * instance (never bound); the consumer takes an unlabelled pod's binding from the Namespace entry,
 * and the compact form holds only the pods that carry a label.
 */
export function effectiveLines(view: View): string[] {
  return lines(
    new Map(
      [...view].filter(
        ([key, value]) => !key.startsWith('Pod/') || JSON.parse(value).via === 'pod',
      ),
    ),
  );
}

/** One namespace's messages replayed: its view after each complete generation, and any gap. */
export class NamespaceReplay {
  /** The view after each complete generation. */
  readonly views = new Map<number, View>();
  /** Order violations: a message whose previousGeneration is not the last complete one. */
  readonly gaps: string[] = [];
  readonly #view = new Map<string, string>();
  #last = 0;

  get final(): View {
    return this.#view;
  }

  apply(event: BindingChangeEvent): void {
    const { namespace, generation, previousGeneration, changes, chunk } = event.data;
    const continuing = chunk !== undefined && chunk.index > 0 && generation === this.#last + 1;
    if (!continuing && previousGeneration !== this.#last)
      this.gaps.push(
        `${namespace}: generation ${generation} (previous ${previousGeneration}) after ${this.#last}`,
      );
    for (const c of changes) {
      if (c.after === null) this.#view.delete(`${c.kind}/${c.name}`);
      else this.#view.set(`${c.kind}/${c.name}`, canonical(c.after));
    }
    if (chunk === undefined || chunk.index === chunk.count - 1) {
      this.#last = generation;
      this.views.set(generation, new Map(this.#view));
    }
  }
}

/**
 * Checks that no id carries two bodies, drops repeated ids, and replays each namespace's messages
 * in the order received (a generation may span several chunks).
 */
export function replay(messages: readonly Message[]): {
  byNamespace: Map<string, NamespaceReplay>;
  conflictingIds: string[];
  duplicates: number;
} {
  const bodies = new Map<string, string>();
  const conflictingIds: string[] = [];
  let duplicates = 0;
  const byNamespace = new Map<string, NamespaceReplay>();
  for (const message of messages) {
    const body = message.Body as string;
    const event = JSON.parse(body) as BindingChangeEvent;
    const seen = bodies.get(event.id);
    if (seen !== undefined) {
      duplicates += 1;
      if (seen !== body) conflictingIds.push(event.id);
      continue;
    }
    bodies.set(event.id, body);
    const namespace = event.data.namespace;
    const r = byNamespace.get(namespace) ?? new NamespaceReplay();
    byNamespace.set(namespace, r);
    r.apply(event);
  }
  return { byNamespace, conflictingIds, duplicates };
}
