/**
 * The embedded cluster for the product's tests (from the kube-api unit), and a client-node
 * KubeConfig for it.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { LocalCluster } from '@waypointer/kube-api';

export { cluster, eventually, raw, watch } from '@waypointer/kube-api/testing';

export function kubeConfigOf(local: LocalCluster, token?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(local.server.kubeconfig(token));
  return kc;
}
