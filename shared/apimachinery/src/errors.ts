/**
 * The errors of the apimachinery ports: input that the Kubernetes API machinery would refuse, with
 * its exact message. Callers map them to their own error family (the product's `ValidationError`,
 * the embedded API server's `metav1.Status`).
 */

/** Base class: input that apimachinery refuses; `message` is apimachinery's text. */
export class ApimachineryError extends Error {
  override name = 'ApimachineryError';
}
