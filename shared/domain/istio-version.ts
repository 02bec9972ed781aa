/**
 * The Istio minor versions whose binding rules waypointer implements. Every rule that differs
 * between them is keyed by {@link IstioVersion} (docs/istio-semantics.md §13).
 */

/** The Istio minor versions waypointer knows, oldest first. */
export const ISTIO_VERSIONS = ['1.30', '1.31'] as const;
export type IstioVersion = (typeof ISTIO_VERSIONS)[number];

/** The version a cluster runs when its configuration does not say: the current Istio. */
export const DEFAULT_ISTIO_VERSION: IstioVersion = '1.31';

/** Whether `text` names a known version. */
export function isIstioVersion(text: string): text is IstioVersion {
  return (ISTIO_VERSIONS as readonly string[]).includes(text);
}

/**
 * Whether `version` is `since` or newer: how a rule introduced in `since` is switched on.
 *
 * @example
 * atLeast('1.30', '1.31'); // false: 1.30 has no canary waypoints
 */
export function atLeast(version: IstioVersion, since: IstioVersion): boolean {
  return ISTIO_VERSIONS.indexOf(version) >= ISTIO_VERSIONS.indexOf(since);
}
