/**
 * The `istio.io/WaypointBound` reasons and messages istiod writes, exactly: a port of istio/istio
 * `pilot/pkg/serviceregistry/ambient/status.go` (1.31.0-rc.0 L23-56).
 */
import { goQuote } from '@waypointer/apimachinery/validation';
import type { Traffic } from './labels.ts';

/** A waypoint by namespace and name. */
export interface WaypointRef {
  readonly namespace: string;
  readonly name: string;
}

export type BindingReason =
  | 'WaypointAccepted'
  | 'WaypointIsNotReady'
  | 'AttachmentDenied'
  | 'UnsupportedTrafficType'
  | 'CanaryInvalidWeight'
  | 'CanarySameAsPrimary';

/** A reference that could not be honoured, as istiod reports it (`StatusMessage`). */
export interface BindingError {
  readonly reason: Exclude<BindingReason, 'WaypointAccepted'>;
  readonly message: string;
  readonly waypoint: WaypointRef;
  /** For `UnsupportedTrafficType`: the traffic the waypoint does not serve. */
  readonly traffic?: Traffic;
}

/** `ns/name`, as istiod prints a waypoint's resource name. */
export function formatRef(ref: WaypointRef): string {
  return `${ref.namespace}/${ref.name}`;
}

/** `ReportWaypointIsNotReady` (L23): a dangling reference or a waypoint without addresses. */
export function notReady(ref: WaypointRef): BindingError {
  return {
    reason: 'WaypointIsNotReady',
    message: `waypoint ${goQuote(formatRef(ref))} is not ready`,
    waypoint: ref,
  };
}

/** `ReportWaypointAttachmentDenied` (L30): the waypoint's allowedRoutes refuse the namespace. */
export function attachmentDenied(ref: WaypointRef): BindingError {
  return {
    reason: 'AttachmentDenied',
    message: `we are not permitted to attach to waypoint ${goQuote(formatRef(ref))} (missing allowedRoutes?)`,
    waypoint: ref,
  };
}

/** `ReportWaypointUnsupportedTrafficType` (L37). */
export function unsupportedTrafficType(ref: WaypointRef, traffic: Traffic): BindingError {
  return {
    traffic,
    reason: 'UnsupportedTrafficType',
    message: `attempting to bind to traffic type ${goQuote(traffic)} which the waypoint ${goQuote(formatRef(ref))} does not support`,
    waypoint: ref,
  };
}

/** `ReportWaypointCanaryInvalidWeight` (L44, 1.31+). */
export function canaryInvalidWeight(ref: WaypointRef): BindingError {
  return {
    reason: 'CanaryInvalidWeight',
    message: `canary waypoint ${goQuote(formatRef(ref))} has an invalid weight; must be an integer in [0,100]`,
    waypoint: ref,
  };
}

/** `ReportWaypointCanarySameAsPrimary` (L51, 1.31+). */
export function canarySameAsPrimary(ref: WaypointRef): BindingError {
  return {
    reason: 'CanarySameAsPrimary',
    message: `canary waypoint ${goQuote(formatRef(ref))} must differ from the primary waypoint`,
    waypoint: ref,
  };
}
