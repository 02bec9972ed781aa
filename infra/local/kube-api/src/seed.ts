/**
 * Seeds of the embedded cluster: objects from YAML files, stored as an API server holds them
 * (uid, creationTimestamp, resourceVersion), status included; a pod without one runs as the
 * kubelet would run it (Running, with an IP).
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { isoSeconds, podRunner } from './api.ts';
import { apiVersionOf, type ResourceType, resourceForKind } from './resources.ts';
import type { KubeObject, Store } from './store.ts';

/** Built-in seeds by name. */
export const SEEDS: Readonly<Record<string, string>> = {
  bookinfo: fileURLToPath(new URL('../seeds/bookinfo.yaml', import.meta.url)),
  empty: fileURLToPath(new URL('../seeds/empty.yaml', import.meta.url)),
};

/** The objects of a YAML or JSON text: documents, Lists and typed lists are flattened. */
export function objectsOf(text: string): KubeObject[] {
  const out: KubeObject[] = [];
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    const object = value as KubeObject & { items?: unknown };
    if (
      typeof object.kind === 'string' &&
      object.kind.endsWith('List') &&
      Array.isArray(object.items)
    ) {
      object.items.forEach(visit);
    } else if (typeof object.kind === 'string') {
      out.push(object);
    }
  };
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) throw new Error(`invalid YAML: ${document.errors[0]?.message}`);
    visit(document.toJS());
  }
  return out;
}

/** A seed's object as the API server stores it: uid, creationTimestamp, and generation for CRs. */
function storedOf(object: KubeObject, type: ResourceType, now: Date): KubeObject {
  const stored: KubeObject = {
    ...object,
    apiVersion: apiVersionOf(type),
    metadata: {
      ...object.metadata,
      uid: object.metadata.uid ?? randomUUID(),
      creationTimestamp:
        (object.metadata.creationTimestamp as string | undefined) ?? isoSeconds(now),
      ...(type.custom ? { generation: object.metadata.generation ?? 1 } : {}),
    },
  };
  if (!type.namespaced) delete stored.metadata.namespace;
  return stored;
}

/** Loads a seed (a built-in name or a file path) into the store; returns how many objects. */
export async function loadSeed(store: Store, seed: string, now = new Date()): Promise<number> {
  const path = SEEDS[seed] ?? seed;
  const objects = objectsOf(await readFile(path, 'utf8'));
  const notRunning: [ResourceType, KubeObject][] = [];
  for (const object of objects) {
    const type = resourceForKind(object.apiVersion ?? '', object.kind ?? '');
    if (type === undefined)
      throw new Error(
        `${path}: ${object.apiVersion}/${object.kind} is not served by the embedded cluster`,
      );
    const stored = storedOf(object, type, now);
    if (type.kind === 'Pod' && stored.status === undefined) notRunning.push([type, stored]);
    else store.put(type, stored, 'ADDED');
  }
  // After every IP the seed brings is stored, so none is handed out twice.
  const run = podRunner(store);
  for (const [type, pod] of notRunning) store.put(type, run(pod, now), 'ADDED');
  return objects.length;
}
