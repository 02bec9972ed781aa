/**
 * ServiceEntries, WorkloadEntries and inline endpoints (docs/istio-semantics.md §15) in the text
 * forms: the `waypointer bindings` tables, binding-change tables, and the Slack lines.
 */
import { describe, expect, it } from 'vitest';
import type { CommandResult } from '../../shared/app/run-command.ts';
import { formatBindings, formatChanges } from '../../shared/commands/format.ts';
import { resultBlocks } from '../../shared/commands/slack.ts';
import type { BindingChange } from '../../shared/domain/diff.ts';
import type {
  ServiceEntryBinding,
  WorkloadEntryBinding,
} from '../../shared/domain/service-entries.ts';

const egress = { namespace: 'default', name: 'egress' };
const bound = (ref: { namespace: string; name: string }) => ({
  'istio.io/WaypointBound': {
    status: 'True' as const,
    reason: 'WaypointAccepted',
    message: `Successfully attached to waypoint ${ref.namespace}/${ref.name}`,
  },
});

const serviceEntries: ServiceEntryBinding[] = [
  {
    namespace: 'default',
    name: 'api',
    waypoint: egress,
    via: 'serviceentry',
    canary: null,
    conditions: bound(egress),
  },
  {
    namespace: 'default',
    name: 'wild',
    waypoint: null,
    via: null,
    canary: null,
    conditions: {
      'istio.io/WaypointMissing': {
        status: 'True',
        reason: 'NoWaypointForWildcardService',
        message: 'ServiceEntry will not apply until it is bound to a valid waypoint.',
      },
    },
  },
];

const workloadEntries: WorkloadEntryBinding[] = [
  {
    namespace: 'default',
    name: 'api',
    waypoint: egress,
    via: 'workloadentry',
    conditions: {},
    serviceEntryEndpoint: '10.1.0.1',
  },
  {
    namespace: 'default',
    name: 'vm-1',
    waypoint: null,
    via: 'workloadentry',
    conditions: {
      'istio.io/WaypointBound': {
        status: 'False',
        reason: 'WaypointIsNotReady',
        message: 'waypoint "default/gone" is not ready',
      },
    },
  },
];

const report = { services: [], pods: [], namespaces: [], diagnostics: [] };

describe('waypointer bindings tables', () => {
  it('show a ServiceEntry table and a WorkloadEntry table (inline endpoints with their address)', () => {
    expect(formatBindings({ ...report, serviceEntries, workloadEntries })).toBe(
      [
        'NAMESPACE   SERVICE   WAYPOINT   VIA   REASON',
        '',
        'NAMESPACE   POD   WAYPOINT   VIA',
        '',
        'NAMESPACE   SERVICEENTRY   WAYPOINT         VIA            REASON',
        'default     api            default/egress   serviceentry   WaypointAccepted',
        'default     wild           <none>           -              NoWaypointForWildcardService',
        '',
        'NAMESPACE   WORKLOADENTRY   ENDPOINT   WAYPOINT         VIA             REASON',
        'default     api             10.1.0.1   default/egress   workloadentry   -',
        'default     vm-1            -          <none>           workloadentry   WaypointIsNotReady',
        '',
      ].join('\n'),
    );
  });

  it('show a CANARY column for ServiceEntries only when one has a canary (§5.1)', () => {
    const canary = { waypoint: { namespace: 'default', name: 'egress-v2' }, weight: 10 };
    const first = { ...(serviceEntries[0] as ServiceEntryBinding), canary };
    const text = formatBindings({ ...report, serviceEntries: [first], workloadEntries: [] });
    expect(text).toContain('SERVICEENTRY   WAYPOINT         CANARY                  VIA');
    expect(text).toContain('default/egress   default/egress-v2 10%   serviceentry');
    expect(text).not.toContain('WORKLOADENTRY');
  });

  it('stay as they were without entries (no empty entry tables)', () => {
    const text = formatBindings({ ...report, serviceEntries: [], workloadEntries: [] });
    expect(text).not.toContain('SERVICEENTRY');
    expect(text).not.toContain('WORKLOADENTRY');
  });
});

describe('binding-change tables', () => {
  it('name an inline endpoint by its address and show an entry in error with its reason', () => {
    const changes: BindingChange[] = [
      {
        kind: 'WorkloadEntry',
        namespace: 'default',
        name: 'api',
        traffic: 'workload',
        before: null,
        after: workloadEntries[0] as WorkloadEntryBinding,
      },
      {
        kind: 'WorkloadEntry',
        namespace: 'default',
        name: 'vm-1',
        traffic: 'workload',
        before: {
          ...(workloadEntries[0] as WorkloadEntryBinding),
          name: 'vm-1',
          serviceEntryEndpoint: undefined,
        } as WorkloadEntryBinding,
        after: workloadEntries[1] as WorkloadEntryBinding,
      },
    ];
    const text = formatChanges(changes);
    expect(text).toContain('WorkloadEntry   default     api 10.1.0.1');
    expect(text).toContain('(absent)');
    expect(text).toContain('<none> via workloadentry (WaypointIsNotReady)');
  });
});

describe('Slack lines', () => {
  it('list ServiceEntries, WorkloadEntries and inline endpoints like Services and Pods', () => {
    const result = {
      verb: 'bindings',
      namespace: 'default',
      ...report,
      serviceEntries,
      workloadEntries,
    } as CommandResult;
    const text = JSON.stringify(resultBlocks(result));
    expect(text).toContain('ServiceEntry default/api → default/egress (via serviceentry)');
    expect(text).toContain('ServiceEntry default/wild → none');
    expect(text).toContain(
      'Endpoint 10.1.0.1 of ServiceEntry default/api → default/egress (via workloadentry)',
    );
    expect(text).toContain('WorkloadEntry default/vm-1 → none (via workloadentry)');
  });
});
