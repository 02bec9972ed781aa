/**
 * MeshConfig as istiod reads it (docs/istio-semantics.md §15.1): discovery selectors, revision,
 * serviceEntryVisibility, and the `data.mesh` YAML. Each row names the rule id and the Istio file and
 * line (istio/istio master 86c9f01), or the Istio test case it reproduces.
 */
import { describe, expect, it } from 'vitest';
import { BindingContext } from '../../shared/domain/bindings.ts';
import { ValidationError } from '../../shared/domain/errors.ts';
import {
  checkMeshConfig,
  DEFAULT_MESH_CONFIG,
  inRevision,
  isDiscovered,
  istiodView,
  visibilityConfigured,
  visibilityFor,
} from '../../shared/domain/mesh-config.ts';
import type {
  LabelSelector,
  MeshConfig,
  ServiceEntryVisibility,
} from '../../shared/domain/model.ts';
import { parseMeshConfig, revisionOfMeshConfigMap } from '../../shared/schemas/kubernetes.ts';
import { gateway, gatewayClass, namespace, pod, service } from '../support/builders.ts';

const mesh = (part: Partial<MeshConfig>): MeshConfig => ({ ...DEFAULT_MESH_CONFIG, ...part });
type Labels = Record<string, string>;

describe('discoverySelectors (M1)', () => {
  const team: LabelSelector = { matchLabels: { team: 'a' } };
  const envIn: LabelSelector = {
    matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'staging'] }],
  };
  const both: LabelSelector = {
    matchLabels: { team: 'a' },
    matchExpressions: [{ key: 'legacy', operator: 'DoesNotExist' }],
  };
  it.each<[string, LabelSelector[], Labels, boolean]>([
    ['no selectors discover every namespace, filter.go L160-163, L276-279', [], {}, true],
    ['matchLabels matches, filter.go L281-285', [team], { team: 'a' }, true],
    ['matchLabels misses', [team], { team: 'b' }, false],
    ['matchExpressions In matches', [envIn], { env: 'staging' }, true],
    ['matchExpressions In misses a namespace without the key', [envIn], {}, false],
    [
      'matchLabels and matchExpressions are ANDed in one selector',
      [both],
      { team: 'a', legacy: 'y' },
      false,
    ],
    ['matchLabels and matchExpressions both hold', [both], { team: 'a' }, true],
    ['selectors are ORed, filter.go L209-214', [team, envIn], { env: 'prod' }, true],
    [
      'an empty selector matches everything (LabelSelectorAsSelector)',
      [{}],
      { any: 'thing' },
      true,
    ],
  ])('M1 %s', (_rule, selectors, labels, expected) => {
    expect(isDiscovered(mesh({ discoverySelectors: selectors }), labels)).toBe(expected);
  });
});

describe('serviceEntryVisibility (M5), services_test.go TestServiceEntryServices', () => {
  const nsSelector = (labels: Labels) => ({ namespaceSelector: { matchLabels: labels } });
  it.each<[string, ServiceEntryVisibility | null, Labels, string]>([
    ['absent: Public, serviceentry_visibility.go L90-93', null, {}, 'Public'],
    [
      'L987 "ServiceEntry visibility NAMESPACE via namespaceSelector"',
      {
        defaultVisibility: 'PUBLIC',
        policies: [
          {
            visibility: 'NAMESPACE',
            matchingRules: [nsSelector({ 'kubernetes.io/metadata.name': 'ns' })],
          },
        ],
      },
      { 'kubernetes.io/metadata.name': 'ns' },
      'Namespace',
    ],
    ['L1037 "ServiceEntry visibility NONE is dropped"', { defaultVisibility: 'NONE' }, {}, 'None'],
    [
      'L1061 "falls back to defaultVisibility NAMESPACE when no policy matches"',
      {
        defaultVisibility: 'NAMESPACE',
        policies: [{ visibility: 'PUBLIC', matchingRules: [nsSelector({ tier: 'public' })] }],
      },
      { tier: 'internal' },
      'Namespace',
    ],
    [
      'L1115 "uses the first matching policy in order"',
      {
        defaultVisibility: 'PUBLIC',
        policies: [
          { visibility: 'NAMESPACE', matchingRules: [nsSelector({ team: 'a' })] },
          { visibility: 'NONE', matchingRules: [nsSelector({ team: 'a' })] },
        ],
      },
      { team: 'a' },
      'Namespace',
    ],
    [
      'L1181 "empty namespaceSelector matches all namespaces"',
      {
        defaultVisibility: 'PUBLIC',
        policies: [{ visibility: 'NAMESPACE', matchingRules: [{ namespaceSelector: {} }] }],
      },
      { anything: 'x' },
      'Namespace',
    ],
    [
      'rules are ANDed, serviceentry_visibility.go L108-117',
      {
        policies: [
          { visibility: 'NONE', matchingRules: [nsSelector({ a: '1' }), nsSelector({ b: '2' })] },
        ],
      },
      { a: '1' },
      'Public',
    ],
    [
      'a policy without rules matches everything, serviceentry_visibility.go L108-109',
      { policies: [{ visibility: 'NAMESPACE' }] },
      {},
      'Namespace',
    ],
    [
      'a rule without a matcher never matches, serviceentry_visibility.go L178-180',
      { policies: [{ visibility: 'NONE', matchingRules: [{}] }] },
      {},
      'Public',
    ],
    [
      'VISIBILITY_UNSPECIFIED is Public, serviceentry_visibility.go L184-194',
      { defaultVisibility: 'VISIBILITY_UNSPECIFIED' },
      {},
      'Public',
    ],
  ])('M5 %s', (_rule, config, labels, expected) => {
    expect(visibilityFor(mesh({ serviceEntryVisibility: config }), labels)).toBe(expected);
  });

  it('M5 Configured only when serviceEntryVisibility is set, serviceentry_visibility.go L104-106', () => {
    expect([
      visibilityConfigured(DEFAULT_MESH_CONFIG),
      visibilityConfigured(mesh({ serviceEntryVisibility: {} })),
    ]).toEqual([false, true]);
  });
});

describe('revision (M4), model.go L111-124', () => {
  it.each<[Labels | undefined, string, boolean]>([
    [undefined, 'canary', true],
    [{ 'istio.io/rev': 'canary' }, 'canary', true],
    [{ 'istio.io/rev': 'default' }, 'canary', false],
    [{ 'istio.io/rev': 'default' }, '', true],
  ])('M4 LabelsInRevision(%j, %j) = %s', (labels, revision, expected) => {
    expect(inRevision(labels, revision)).toBe(expected);
  });

  it.each<[string, Labels, string]>([
    ['istio', { 'istio.io/rev': 'default' }, 'default'],
    ['istio-canary', {}, 'canary'],
    ['istio', {}, ''],
  ])('M4 the revision of ConfigMap %s %j is %j', (name, labels, expected) => {
    expect(revisionOfMeshConfigMap({ metadata: { name, namespace: 'istio-system', labels } })).toBe(
      expected,
    );
  });
});

describe('istiodView (M2)', () => {
  it('M2 drops the objects of undiscovered namespaces, keeps GatewayClasses, filter.go L147-167', () => {
    const snapshot = {
      namespaces: [namespace('mesh', { mesh: 'on' }), namespace('outside')],
      services: [service('mesh', 'a'), service('outside', 'b')],
      pods: [pod('mesh', 'p'), pod('outside', 'q')],
      gateways: [gateway('mesh', 'w'), gateway('outside', 'x')],
      gatewayClasses: [gatewayClass('istio-waypoint')],
      meshConfig: mesh({ discoverySelectors: [{ matchLabels: { mesh: 'on' } }] }),
    };
    const view = istiodView(snapshot);
    expect([
      view.namespaces.map((n) => n.metadata.name),
      view.services.map((s) => s.metadata.name),
      view.pods.map((p) => p.metadata.name),
      view.gateways.map((g) => g.metadata.name),
      view.gatewayClasses.length,
    ]).toEqual([['mesh'], ['a'], ['p'], ['w'], 1]);
  });
});

describe('the binding engine sees what istiod sees (M2)', () => {
  it('M2 a waypoint outside the discovery selectors is a dangling reference', () => {
    const selectors = [{ matchLabels: { mesh: 'on' } }];
    const snapshot = {
      namespaces: [
        namespace('app', { mesh: 'on', 'istio.io/use-waypoint': 'w' }),
        namespace('outside'),
      ],
      services: [
        service('app', 'a'),
        service('app', 'b', {
          'istio.io/use-waypoint': 'x',
          'istio.io/use-waypoint-namespace': 'outside',
        }),
      ],
      pods: [],
      gateways: [
        gateway('app', 'w', { labels: { 'istio.io/waypoint-for': 'all' } }),
        gateway('outside', 'x', {
          listeners: [
            {
              name: 'mesh',
              port: 15008,
              protocol: 'HBONE',
              allowedRoutes: { namespaces: { from: 'All' } },
            },
          ],
        }),
      ],
      gatewayClasses: [gatewayClass('istio-waypoint')],
      meshConfig: mesh({ discoverySelectors: selectors }),
    };
    const context = new BindingContext(snapshot);
    expect(snapshot.services.map((s) => context.bindService(s).condition?.reason)).toEqual([
      'WaypointAccepted',
      'WaypointIsNotReady',
    ]);
    const unfiltered = new BindingContext({ ...snapshot, meshConfig: null });
    expect(unfiltered.bindService(snapshot.services[1] as never).condition?.reason).toBe(
      'WaypointAccepted',
    );
  });
});

describe('parseMeshConfig (data.mesh of the istio ConfigMap)', () => {
  it('reads discoverySelectors and serviceEntryVisibility, ignoring the fields it does not use', () => {
    const text = [
      'accessLogFile: /dev/stdout',
      'defaultConfig:',
      '  discoveryAddress: istiod.istio-system.svc:15012',
      'discoverySelectors:',
      '- matchLabels: {istio-discovery: enabled}',
      '- matchExpressions:',
      '  - {key: env, operator: In, values: [prod]}',
      'serviceEntryVisibility:',
      '  defaultVisibility: NAMESPACE',
      '  policies:',
      '  - visibility: PUBLIC',
      '    matchingRules:',
      '    - namespaceSelector: {matchLabels: {shared: "true"}}',
      '',
    ].join('\n');
    expect(parseMeshConfig(text, 'default')).toEqual({
      discoverySelectors: [
        { matchLabels: { 'istio-discovery': 'enabled' } },
        { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] },
      ],
      serviceEntryVisibility: {
        defaultVisibility: 'NAMESPACE',
        policies: [
          {
            visibility: 'PUBLIC',
            matchingRules: [{ namespaceSelector: { matchLabels: { shared: 'true' } } }],
          },
        ],
      },
      revision: 'default',
    });
  });

  it("an empty document is istiod's defaults", () => {
    expect(parseMeshConfig('', '')).toEqual(DEFAULT_MESH_CONFIG);
  });

  it.each<[string, string, string]>([
    [
      'M3 an operator that is no LabelSelector operator',
      'discoverySelectors:\n- matchExpressions: [{key: env, operator: Is}]\n',
      'mesh.discoverySelectors[0]: "Is" is not a valid pod selector operator',
    ],
    [
      'M3 In without values',
      'discoverySelectors:\n- matchExpressions: [{key: env, operator: In}]\n',
      "mesh.discoverySelectors[0]: values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
    ],
    [
      'a visibility istiod does not know',
      'serviceEntryVisibility: {defaultVisibility: PRIVATE}\n',
      'mesh.serviceEntryVisibility.defaultVisibility: Invalid option: expected one of "VISIBILITY_UNSPECIFIED"|"NONE"|"NAMESPACE"|"PUBLIC"',
    ],
    [
      'discoverySelectors that is no list',
      'discoverySelectors: {a: b}\n',
      'mesh.discoverySelectors: Invalid input: expected array, received object',
    ],
    ['YAML that does not parse', 'discoverySelectors: [\n', 'mesh: invalid YAML'],
  ])('refuses %s, naming the field', (_case, text, message) => {
    expect(() => parseMeshConfig(text, '')).toThrow(ValidationError);
    expect(() => parseMeshConfig(text, '')).toThrow(message);
  });

  it('M3 checkMeshConfig passes over policies without rules and rules without a matcher', () => {
    const config = mesh({
      serviceEntryVisibility: {
        policies: [{ visibility: 'NONE' }, { matchingRules: [{}, { namespaceSelector: null }] }],
      },
    });
    expect(checkMeshConfig(config)).toEqual([]);
  });

  it('M3 a discovery selector that does not parse matches no namespace', () => {
    const bad = mesh({
      discoverySelectors: [{ matchExpressions: [{ key: 'a', operator: 'Is' }] }],
    });
    expect(isDiscovered(bad, { a: 'x' })).toBe(false);
  });

  it('M3 checkMeshConfig names a bad visibility selector', () => {
    const config = mesh({
      serviceEntryVisibility: {
        policies: [
          {
            matchingRules: [
              {
                namespaceSelector: {
                  matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }],
                },
              },
            ],
          },
        ],
      },
    });
    expect(checkMeshConfig(config).map((p) => p.path)).toEqual([
      'serviceEntryVisibility.policies[0].matchingRules[0].namespaceSelector',
    ]);
  });
});
