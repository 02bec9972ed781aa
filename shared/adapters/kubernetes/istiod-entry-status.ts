/**
 * The binding rules the embedded cluster's simulated istiod writes ServiceEntry and WorkloadEntry
 * conditions by: its stored objects read as a snapshot, then `entryStatuses` of the domain, so that
 * the simulator and waypointer share one implementation of the rules (docs/istio-semantics.md §15).
 */

import type { z } from 'zod';
import { MESH_CONFIG_NAME, MESH_CONFIG_NAMESPACE } from '../../domain/labels.ts';
import type { ClusterSnapshot, MeshConfig } from '../../domain/model.ts';
import { type EntryStatus, entryStatuses } from '../../domain/service-entries.ts';
import {
  configMapSchema,
  gatewayClassSchema,
  gatewaySchema,
  namespaceSchema,
  parseMeshConfig,
  podSchema,
  revisionOfMeshConfigMap,
  serviceEntrySchema,
  serviceSchema,
  workloadEntrySchema,
} from '../../schemas/kubernetes.ts';

/** Stored objects by resource plural, as the embedded API server lists them. */
export type StoredObjects = Readonly<Record<string, readonly unknown[]>>;

/** The objects of `plural` that `schema` reads; one it cannot read is one istiod could not decode. */
function read<T>(objects: StoredObjects, plural: string, schema: z.ZodType<T>): T[] {
  return (objects[plural] ?? []).flatMap((o) => {
    const parsed = schema.safeParse(o);
    return parsed.success ? [parsed.data] : [];
  });
}

/** The MeshConfig of the `istio` ConfigMap; one istiod cannot use leaves its defaults. */
function meshConfigOf(objects: StoredObjects): MeshConfig | null {
  const configMap = read(objects, 'configmaps', configMapSchema).find(
    (c) => c.metadata.namespace === MESH_CONFIG_NAMESPACE && c.metadata.name === MESH_CONFIG_NAME,
  );
  const mesh = configMap?.data?.mesh;
  if (configMap === undefined || mesh === undefined) return null;
  try {
    return parseMeshConfig(mesh, revisionOfMeshConfigMap(configMap));
  } catch {
    return null;
  }
}

/** The stored objects as the snapshot the binding rules read. */
export function snapshotOfStoredObjects(objects: StoredObjects): ClusterSnapshot {
  return {
    namespaces: read(objects, 'namespaces', namespaceSchema),
    services: read(objects, 'services', serviceSchema),
    pods: read(objects, 'pods', podSchema),
    gateways: read(objects, 'gateways', gatewaySchema),
    gatewayClasses: read(objects, 'gatewayclasses', gatewayClassSchema),
    serviceEntries: read(objects, 'serviceentries', serviceEntrySchema),
    workloadEntries: read(objects, 'workloadentries', workloadEntrySchema),
    meshConfig: meshConfigOf(objects),
  };
}

/**
 * The `entryRules` of the simulated istiod: the conditions istiod writes on each ServiceEntry and
 * WorkloadEntry of the stored objects.
 *
 * @example
 * await startLocalCluster({ seed: 'bookinfo', entryRules: istiodEntryStatus });
 */
export function istiodEntryStatus(objects: StoredObjects): EntryStatus[] {
  return entryStatuses(snapshotOfStoredObjects(objects));
}
