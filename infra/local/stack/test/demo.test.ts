/**
 * `npm run demo`: the guide's walkthrough on a fresh embedded stack, through the HTTP API, ending
 * where Istio's guide ends.
 */
import { describe, expect, it } from 'vitest';
import { bookinfoTable, demoCommand, GUIDE_END, STEPS } from '../src/demo.ts';

describe('waypointer demo', () => {
  it('replays every step, prints bindings and messages, and ends where the guide ends', async () => {
    let output = '';
    const code = await demoCommand({
      stdout: (text) => {
        output += text;
      },
    });
    expect(code).toBe(0);
    for (const [i, step] of STEPS.entries()) expect(output).toContain(`## ${i + 1}. ${step.title}`);
    expect(output).toContain('Service reviews: waypoint -> reviews-svc-waypoint');
    expect(output).toContain('Pod reviews-v2-6f85cb9b7c-9jbd8: none -> reviews-v2-pod-waypoint');
    expect(output.trimEnd().endsWith("The bindings are where Istio's guide ends.")).toBe(true);
  }, 60_000);

  it('tells a table that is not the guide’s end from it', () => {
    const waypoint = { namespace: 'default', name: 'waypoint' };
    const page = {
      services: ['details', 'productpage', 'ratings', 'reviews'].map((name) => ({
        name,
        waypoint,
        via: 'namespace',
      })),
      pods: [],
      namespaces: [{ namespace: 'default', name: 'default', waypoint: null, via: null }],
    };
    const table = bookinfoTable(page);
    expect(table).toContain('Service reviews -> default/waypoint via namespace');
    expect(table).not.toEqual(GUIDE_END);
  });
});
