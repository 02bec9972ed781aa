/**
 * How canaries read in the CLI's tables and binding changes, and in Slack lines.
 */
import { describe, expect, it } from 'vitest';
import { formatBindings, formatChanges } from '../../shared/commands/format.ts';
import type { ServiceBinding } from '../../shared/domain/bindings.ts';

const reviews: ServiceBinding = {
  namespace: 'default',
  name: 'reviews',
  waypoint: { namespace: 'default', name: 'waypoint' },
  canary: { waypoint: { namespace: 'default', name: 'waypoint-v2' }, weight: 5 },
  via: 'service',
  condition: {
    status: 'True',
    reason: 'WaypointAccepted',
    message: 'Successfully attached to waypoint default/waypoint',
  },
};
const details: ServiceBinding = { ...reviews, name: 'details', canary: null };

describe('canary output', () => {
  it('adds a CANARY column to the Services table when a Service has a canary', () => {
    const text = formatBindings({ services: [details, reviews], pods: [], diagnostics: [] });
    expect(text.split('\n').slice(0, 3)).toEqual([
      'NAMESPACE   SERVICE   WAYPOINT           CANARY                   VIA       REASON',
      'default     details   default/waypoint   -                        service   WaypointAccepted',
      'default     reviews   default/waypoint   default/waypoint-v2 5%   service   WaypointAccepted',
    ]);
  });

  it('keeps the table as it was when no Service has a canary', () => {
    const text = formatBindings({ services: [details], pods: [], diagnostics: [] });
    expect(text.split('\n')[0]).toBe('NAMESPACE   SERVICE   WAYPOINT           VIA       REASON');
  });

  it('shows the canary in a binding change', () => {
    const text = formatChanges([
      {
        kind: 'Service',
        namespace: 'default',
        name: 'reviews',
        traffic: 'service',
        before: details,
        after: reviews,
      },
    ]);
    expect(text.split('\n')[1]).toBe(
      'Service   default     reviews   service   default/waypoint via service   default/waypoint + canary default/waypoint-v2 5% via service',
    );
  });
});
