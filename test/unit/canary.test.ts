/**
 * Canary waypoints (Istio 1.31) against Istio's own test tables. Each row names the rule of
 * docs/istio-semantics.md §5.1 and the Go test (istio/istio 1.31.0-rc.0) it comes from.
 */
import { describe, expect, it } from 'vitest';
import type { BindingSet, ServiceBinding } from '../../shared/domain/bindings.ts';
import {
  type CanaryMeta,
  canaryRef,
  canaryWeight,
  resolveCanary,
} from '../../shared/domain/canary.ts';
import { diff } from '../../shared/domain/diff.ts';
import type { Gateway, StringMap } from '../../shared/domain/model.ts';
import { indexWaypoints } from '../../shared/domain/waypoints.ts';
import { gateway, gatewayClass, hbone } from '../support/builders.ts';

const CANARY = 'istio.io/use-waypoint-canary';
const CANARY_NS = 'istio.io/use-waypoint-canary-namespace';
const WEIGHT = 'istio.io/use-waypoint-canary-weight';
const USE = 'istio.io/use-waypoint';

describe('canaryRef: waypoints_test.go TestGetUseWaypointCanary (L283-346)', () => {
  it.each<[string, StringMap | undefined, StringMap | undefined, string | null]>([
    ['N3 no label', undefined, undefined, null],
    ['N3 empty value', { [CANARY]: '' }, undefined, null],
    ['N3 none', { [CANARY]: 'none' }, undefined, null],
    ['N2 same namespace', { [CANARY]: 'wp' }, undefined, 'ns/wp'],
    ['N2 cross namespace', { [CANARY]: 'wp', [CANARY_NS]: 'other' }, undefined, 'other/wp'],
    ['N2 inherited from namespace', undefined, { [CANARY]: 'ns-wp' }, 'ns/ns-wp'],
    [
      'N2 inherited cross namespace from namespace',
      undefined,
      { [CANARY]: 'ns-wp', [CANARY_NS]: 'other' },
      'other/ns-wp',
    ],
    ['N2 object overrides namespace', { [CANARY]: 'wp' }, { [CANARY]: 'ns-wp' }, 'ns/wp'],
    // Beyond Istio's table: the namespace override is read from the level that names the canary.
    [
      'N2 object canary ignores the namespace canary-namespace label',
      { [CANARY]: 'wp' },
      { [CANARY]: 'ns-wp', [CANARY_NS]: 'other' },
      'ns/wp',
    ],
  ])('%s', (_rule, labels, nsLabels, expected) => {
    const ns: CanaryMeta | undefined = nsLabels === undefined ? undefined : { labels: nsLabels };
    const ref = canaryRef({ namespace: 'ns', labels }, ns);
    expect(ref && `${ref.namespace}/${ref.name}`).toBe(expected);
  });
});

describe('canaryWeight: waypoints_test.go TestGetCanaryWeight (L348-378)', () => {
  it.each<[string, StringMap | undefined, StringMap | undefined, number | null]>([
    ['N4 absent defaults to 0', undefined, undefined, 0],
    ['N4 zero', { [WEIGHT]: '0' }, undefined, 0],
    ['N4 mid', { [WEIGHT]: '42' }, undefined, 42],
    ['N4 hundred', { [WEIGHT]: '100' }, undefined, 100],
    ['N4 non-integer', { [WEIGHT]: 'abc' }, undefined, null],
    ['N4 negative', { [WEIGHT]: '-1' }, undefined, null],
    ['N4 over hundred', { [WEIGHT]: '101' }, undefined, null],
    ['N4 inherited from namespace', undefined, { [WEIGHT]: '30' }, 30],
    ['N4 object overrides namespace', { [WEIGHT]: '42' }, { [WEIGHT]: '30' }, 42],
    // Go strconv.Atoi: a sign and leading zeros are accepted; spaces, decimals and hex are not.
    ['N4 Atoi takes a plus sign', { [WEIGHT]: '+5' }, undefined, 5],
    ['N4 Atoi takes leading zeros', { [WEIGHT]: '007' }, undefined, 7],
    ['N4 Atoi takes -0', { [WEIGHT]: '-0' }, undefined, 0],
    ['N4 Atoi refuses spaces', { [WEIGHT]: ' 5' }, undefined, null],
    ['N4 Atoi refuses a decimal', { [WEIGHT]: '5.0' }, undefined, null],
    ['N4 Atoi refuses hex', { [WEIGHT]: '0x10' }, undefined, null],
    ['N4 Atoi refuses empty', { [WEIGHT]: '' }, undefined, null],
    ['N4 an invalid object value does not fall back', { [WEIGHT]: 'x' }, { [WEIGHT]: '30' }, null],
  ])('%s', (_rule, annotations, nsAnnotations, expected) => {
    const ns = nsAnnotations === undefined ? undefined : { annotations: nsAnnotations };
    expect(canaryWeight({ annotations }, ns)).toBe(expected);
  });
});

/** services_test.go TestServiceServices fixtures (L1530-1555): both waypoints `all`, Selector ns. */
const allowNs = hbone({
  namespaces: {
    from: 'Selector',
    selector: { matchLabels: { 'kubernetes.io/metadata.name': 'ns' } },
  },
});
const allTraffic = (name: string, extra: Partial<Parameters<typeof gateway>[2]> = {}): Gateway =>
  gateway('ns', name, {
    labels: { 'istio.io/waypoint-for': 'all' },
    listeners: [allowNs],
    ...extra,
  });
const NS_LABELS: StringMap = { 'kubernetes.io/metadata.name': 'ns' };

function resolve(
  gateways: Gateway[],
  labels: StringMap,
  annotations: StringMap = {},
  nsMeta?: CanaryMeta,
): string {
  const result = resolveCanary({
    object: { namespace: 'ns', labels, annotations },
    namespace: nsMeta ?? { labels: NS_LABELS },
    primary: { namespace: 'ns', name: 'waypoint' },
    waypoints: indexWaypoints(gateways, [gatewayClass('istio-waypoint')]),
    namespaceLabels: (name) => (name === 'ns' ? NS_LABELS : undefined),
  });
  if (result.kind === 'none') return 'none';
  if (result.kind === 'canary') {
    const { waypoint, weight } = result.canary;
    return `canary ${waypoint.namespace}/${waypoint.name} ${weight}`;
  }
  return `${result.error.reason}: ${result.error.message}`;
}

describe('resolveCanary: buildWeightedWaypoints (waypoints.go L295-339)', () => {
  const both = [allTraffic('waypoint'), allTraffic('canary')];
  it.each<[string, Gateway[], StringMap, StringMap, string]>([
    // services_test.go TestServiceServices
    [
      'N1 weighted canary (services_test.go L2177)',
      both,
      { [USE]: 'waypoint', [CANARY]: 'canary' },
      { [WEIGHT]: '5' },
      'canary ns/canary 5',
    ],
    [
      'N4 canary invalid weight falls back to primary only (services_test.go L2217)',
      both,
      { [USE]: 'waypoint', [CANARY]: 'canary' },
      { [WEIGHT]: 'not-a-number' },
      'CanaryInvalidWeight: canary waypoint "ns/canary" has an invalid weight; must be an integer in [0,100]',
    ],
    [
      'N5 canary not ready falls back to primary only (services_test.go L2253)',
      [allTraffic('waypoint')],
      { [USE]: 'waypoint', [CANARY]: 'canary' },
      { [WEIGHT]: '5' },
      'WaypointIsNotReady: waypoint "ns/canary" is not ready',
    ],
    // The checks of buildWeightedWaypoints and resolveCanaryWaypoint, in their order.
    ['N3 no canary label', both, { [USE]: 'waypoint' }, { [WEIGHT]: '5' }, 'none'],
    [
      'N6 same as primary is checked before the weight (L321)',
      both,
      { [USE]: 'waypoint', [CANARY]: 'waypoint' },
      { [WEIGHT]: 'bad' },
      'CanarySameAsPrimary: canary waypoint "ns/waypoint" must differ from the primary waypoint',
    ],
    [
      'N4 the weight is checked before readiness (L325)',
      [allTraffic('waypoint')],
      { [USE]: 'waypoint', [CANARY]: 'canary' },
      { [WEIGHT]: '101' },
      'CanaryInvalidWeight: canary waypoint "ns/canary" has an invalid weight; must be an integer in [0,100]',
    ],
    [
      'N4 an absent weight is 0: a valid canary with no share',
      both,
      { [USE]: 'waypoint', [CANARY]: 'canary' },
      {},
      'canary ns/canary 0',
    ],
    [
      'N5 allowedRoutes of the canary are checked for the object namespace (L286)',
      [
        allTraffic('waypoint'),
        gateway('other', 'canary', { labels: { 'istio.io/waypoint-for': 'all' } }),
      ],
      { [USE]: 'waypoint', [CANARY]: 'canary', [CANARY_NS]: 'other' },
      {},
      'AttachmentDenied: we are not permitted to attach to waypoint "other/canary" (missing allowedRoutes?)',
    ],
    [
      'N5 a workload-only canary is refused for service traffic (L289)',
      [
        allTraffic('waypoint'),
        allTraffic('canary', { labels: { 'istio.io/waypoint-for': 'workload' } }),
      ],
      { [USE]: 'waypoint', [CANARY]: 'canary' },
      {},
      'UnsupportedTrafficType: attempting to bind to traffic type "service" which the waypoint "ns/canary" does not support',
    ],
  ])('%s', (_rule, gateways, labels, annotations, expected) => {
    expect(resolve(gateways, labels, annotations)).toBe(expected);
  });

  it.each<[string, StringMap, CanaryMeta, string]>([
    [
      'N2 an inherited primary takes the namespace canary and weight (L311-316)',
      {},
      {
        labels: { ...NS_LABELS, [USE]: 'waypoint', [CANARY]: 'canary' },
        annotations: { [WEIGHT]: '30' },
      },
      'canary ns/canary 30',
    ],
    [
      'N2 an own primary ignores the namespace canary (L312)',
      { [USE]: 'waypoint' },
      { labels: { ...NS_LABELS, [CANARY]: 'canary' }, annotations: { [WEIGHT]: '30' } },
      'none',
    ],
    [
      'N2 an own primary with its own canary ignores the namespace weight',
      { [USE]: 'waypoint', [CANARY]: 'canary' },
      { labels: NS_LABELS, annotations: { [WEIGHT]: '30' } },
      'canary ns/canary 0',
    ],
  ])('%s', (_rule, labels, nsMeta, expected) => {
    expect(resolve([allTraffic('waypoint'), allTraffic('canary')], labels, {}, nsMeta)).toBe(
      expected,
    );
  });
});

describe('canary in binding changes', () => {
  const base = {
    namespace: 'ns',
    name: 's',
    waypoint: { namespace: 'ns', name: 'waypoint' },
    via: 'service' as const,
    condition: null,
  };
  const canary = (weight: number) => ({ waypoint: { namespace: 'ns', name: 'canary' }, weight });
  const set = (service: object): BindingSet => ({
    services: [service as ServiceBinding],
    pods: [],
    namespaces: [],
  });

  it.each<[string, object, object, number]>([
    ['a new canary is a change', { ...base, canary: null }, { ...base, canary: canary(5) }, 1],
    [
      'a new weight is a change',
      { ...base, canary: canary(5) },
      { ...base, canary: canary(50) },
      1,
    ],
    [
      'the same canary is no change',
      { ...base, canary: canary(5) },
      { ...base, canary: canary(5) },
      0,
    ],
    [
      'a binding stored before canaries equals one without a canary',
      base,
      { ...base, canary: null },
      0,
    ],
  ])('%s', (_name, before, after, count) => {
    expect(diff(set(before), set(after))).toHaveLength(count);
  });
});
