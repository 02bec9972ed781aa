/**
 * `waypointer invoke <function> --event FILE`: each function once on its sample event from
 * events/, against the embedded stack, and the refusals for what it cannot run.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { invokeCommand } from '../src/invoke.ts';

const path = (name: string): string =>
  fileURLToPath(new URL(`../../../../events/${name}`, import.meta.url));

describe('waypointer invoke', () => {
  const invoke = async (
    ...args: string[]
  ): Promise<{ code: number; stdout: string; stderr: string }> => {
    let stdout = '';
    let stderr = '';
    const code = await invokeCommand(args, {
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
    });
    return { code, stdout, stderr };
  };

  it.each([
    ['http-api', 'http-api-get-bindings.json', { statusCode: expect.any(Number) }],
    ['audit-ingest', 'cloudwatch-logs-eks-audit.json', { accepted: 1, ignored: 2, malformed: 0 }],
    [
      'audit-ingest',
      'cloudwatch-logs-control-message.json',
      { accepted: 0, ignored: 0, malformed: 0 },
    ],
    ['audit-ingest', 'eventbridge-audit.json', { accepted: 1, ignored: 0, malformed: 0 }],
    ['audit-webhook', 'audit-webhook-eventlist.json', { statusCode: 200 }],
    ['reconcile', 'sqs-reconcile-requests.json', { batchItemFailures: [] }],
    [
      'scheduled-sweep',
      'scheduled-sweep.json',
      { clusters: [{ cluster: 'local', namespaces: 3, complete: true }] },
    ],
  ])(
    '%s --event events/%s prints the result as JSON',
    async (fn, file, expected) => {
      const { code, stdout, stderr } = await invoke(fn, '--event', path(file));
      expect(stderr).not.toMatch(/Error/);
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject(expected);
    },
    30_000,
  );

  it('refuses an unknown function, a missing event file and an event of another trigger', async () => {
    const unknown = await invoke('chatops', '--event', path('scheduled-sweep.json'));
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toMatch(
      /^Error: unknown function "chatops": give one of http-api, audit-ingest, audit-webhook, reconcile, scheduled-sweep\n/,
    );
    const missing = await invoke('reconcile', '--event', path('no-such-event.json'));
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toMatch(
      /^Error: cannot read the event file .*no-such-event\.json: ENOENT/,
    );
    const noEvent = await invoke('reconcile');
    expect(noEvent.stderr).toMatch(/^Error: --event FILE is required/);
    const wrong = await invoke('reconcile', '--event', path('scheduled-sweep.json'));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^Error: .*scheduled-sweep\.json is not an SQS event/);
    // The webhook is its own function now: audit-ingest takes events only.
    const http = await invoke('audit-ingest', '--event', path('audit-webhook-eventlist.json'));
    expect(http.code).toBe(1);
    expect(http.stderr).toMatch(
      /^Error: .*audit-webhook-eventlist\.json is not a CloudWatch Logs subscription or EventBridge event/,
    );
  });
});
