/**
 * Seeds of the embedded cluster: objects from YAML files, stored as an API server holds them
 * (uid, creationTimestamp, resourceVersion), status included.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { isoSeconds } from './api.ts';
import { apiVersionOf, resourceForKind } from './resources.ts';
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

/** Loads a seed (a built-in name or a file path) into the store; returns how many objects. */
export async function loadSeed(store: Store, seed: string, now = new Date()): Promise<number> {
  const path = SEEDS[seed] ?? seed;
  const objects = objectsOf(await readFile(path, 'utf8'));
  for (const object of objects) {
    const type = resourceForKind(object.apiVersion ?? '', object.kind ?? '');
    if (type === undefined)
      throw new Error(
        `${path}: ${object.apiVersion}/${object.kind} is not served by the embedded cluster`,
      );
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
    store.put(type, stored, 'ADDED');
  }
  return objects.length;
}
