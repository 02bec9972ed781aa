/**
 * The embedded API server's storage: objects by resource and `namespace/name`, one global
 * `resourceVersion` counter (like etcd's revision), and a bounded event history for watches.
 */
import { clone } from './json.ts';
import type { ResourceType } from './resources.ts';

export type KubeObject = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata: Metadata;
};

export type Metadata = Record<string, unknown> & {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  uid?: string;
  generation?: number;
  deletionTimestamp?: string;
};

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  readonly type: WatchEventType;
  readonly resource: ResourceType;
  readonly object: KubeObject;
  /** The object before a MODIFIED event, so that selector watches can tell entering from leaving. */
  readonly previous?: KubeObject;
  readonly resourceVersion: number;
}

type Listener = (event: StoredEvent) => void;

const HISTORY = 10_000;

export function keyOf(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export class Store {
  #revision = 1000;
  readonly #objects = new Map<ResourceType, Map<string, KubeObject>>();
  readonly #history: StoredEvent[] = [];
  readonly #listeners = new Set<Listener>();

  /** The current revision: the resourceVersion of the last write. */
  get revision(): number {
    return this.#revision;
  }

  /** The revision of the oldest event in the history (the next one when there is none). */
  get oldestRevision(): number {
    return this.#history[0]?.resourceVersion ?? this.#revision + 1;
  }

  #bucket(type: ResourceType): Map<string, KubeObject> {
    let bucket = this.#objects.get(type);
    if (bucket === undefined) {
      bucket = new Map();
      this.#objects.set(type, bucket);
    }
    return bucket;
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.#bucket(type).get(keyOf(namespace, name));
    return found === undefined ? undefined : clone(found);
  }

  /** Every object of a type (in one namespace when given), sorted by namespace and name. */
  list(type: ResourceType, namespace?: string): KubeObject[] {
    const items = [...this.#bucket(type).entries()]
      .filter(([, o]) => namespace === undefined || o.metadata.namespace === namespace)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => clone(o));
    return items;
  }

  /**
   * Reads every stored object of a type without copying it: for scans that only look (address
   * allocation); the callback must not keep or change what it is given.
   */
  forEach(type: ResourceType, visit: (object: Readonly<KubeObject>) => void): void {
    for (const object of this.#bucket(type).values()) visit(object);
  }

  /** Stores `object` with the next resourceVersion and tells the watchers. Returns the stored copy. */
  put(type: ResourceType, object: KubeObject, event: 'ADDED' | 'MODIFIED'): KubeObject {
    const revision = ++this.#revision;
    const stored = clone(object);
    stored.metadata.resourceVersion = String(revision);
    const bucket = this.#bucket(type);
    const key = keyOf(stored.metadata.namespace, stored.metadata.name);
    const previous = bucket.get(key);
    bucket.set(key, stored);
    this.#emit({
      type: event,
      resource: type,
      object: clone(stored),
      ...(previous === undefined ? {} : { previous }),
      resourceVersion: revision,
    });
    return clone(stored);
  }

  /** Removes an object; the DELETED event carries it with a new resourceVersion. */
  remove(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const bucket = this.#bucket(type);
    const key = keyOf(namespace, name);
    const found = bucket.get(key);
    if (found === undefined) return undefined;
    bucket.delete(key);
    const revision = ++this.#revision;
    found.metadata.resourceVersion = String(revision);
    this.#emit({
      type: 'DELETED',
      resource: type,
      object: clone(found),
      resourceVersion: revision,
    });
    return clone(found);
  }

  #emit(event: StoredEvent): void {
    this.#history.push(event);
    if (this.#history.length > HISTORY) this.#history.shift();
    for (const listener of this.#listeners) listener(event);
  }

  /** Events after `revision`, then live ones, until the returned function is called. */
  watch(afterRevision: number, listener: Listener): () => void {
    for (const event of this.#history) {
      if (event.resourceVersion > afterRevision) listener(event);
    }
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }
}
