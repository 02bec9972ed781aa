/**
 * Command outcomes in Block Kit: within Slack's limits (50 blocks, 3,000 characters a section),
 * mrkdwn escaped, applied changes in the channel naming who asked, reads and errors ephemeral.
 */
import { describe, expect, it } from 'vitest';
import type { CommandResult } from '../../shared/app/run-command.ts';
import {
  CONFIRM_ACTION,
  escapeMrkdwn,
  isSlackError,
  plainText,
  preformatted,
  resultBlocks,
  SLACK_LIMITS,
  type SlackBlock,
  type SlackMessage,
  slackConfirmation,
  slackDecided,
  slackError,
  slackHelp,
  slackOutcome,
} from '../../shared/commands/slack.ts';
import type { CommandOutcome } from '../../shared/ports.ts';

const info = { user: 'U2CERLKJA', text: 'list -A', cluster: 'prod' };
const summary = (namespace: string, name: string, programmed = 'True') => ({
  namespace,
  name,
  gatewayClassName: 'istio-waypoint',
  revision: 'default',
  trafficType: 'service',
  effectiveTrafficType: 'service',
  programmed,
  bound: { services: 0, pods: 0, namespaces: 0, serviceEntries: 0, workloadEntries: 0 },
});
const ok = (result: CommandResult): CommandOutcome => ({
  exitCode: 0,
  command: { verb: result.verb },
  result,
});

function withinLimits(message: SlackMessage): void {
  expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  for (const block of message.blocks)
    if (block.type === 'section')
      expect(block.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionChars);
}

const text = (blocks: readonly SlackBlock[]): string => JSON.stringify(blocks);

describe('Block Kit answers', () => {
  it('lists waypoints one line each, ephemeral', () => {
    const message = slackOutcome(
      ok({
        verb: 'list',
        namespace: null,
        waypoints: [summary('default', 'waypoint'), summary('a', 'b', 'False')],
      }),
      info,
    );
    expect(message.response_type).toBe('ephemeral');
    expect(text(message.blocks)).toContain(
      '✅ default/waypoint  for=service  rev=default  programmed=True',
    );
    expect(text(message.blocks)).toContain('⏳ a/b');
    expect(text(message.blocks)).toContain('<@U2CERLKJA> ran `/waypoint list -A` on *prod*');
  });

  it('cuts 100,000 waypoints to Slack limits and says how to narrow them', () => {
    const waypoints = Array.from({ length: 100_000 }, (_, i) =>
      summary(`team-${i}`, `waypoint-${i}`),
    );
    const message = slackOutcome(ok({ verb: 'list', namespace: null, waypoints }), info);
    withinLimits(message);
    expect(text(message.blocks)).toMatch(
      /Showing \d+ of 100000 lines. Narrow it with `-n NAMESPACE`/,
    );
  });

  it('cuts a single line longer than a section', () => {
    const blocks = preformatted('x'.repeat(10_000));
    expect(blocks).toHaveLength(1);
    expect((blocks[0] as { text: { text: string } }).text.text.length).toBeLessThanOrEqual(3000);
  });

  it.each([
    ['no waypoints', { verb: 'list', namespace: 'default', waypoints: [] }, 'No waypoints found.'],
    [
      'status',
      {
        verb: 'status',
        namespace: 'default',
        waypoints: [
          {
            waypoint: summary('default', 'waypoint'),
            status: { type: 'Programmed', status: 'True', reason: 'Programmed', message: 'ok' },
            addresses: [],
          },
          { waypoint: summary('default', 'other', 'False'), status: null, addresses: [] },
        ],
      },
      'Programmed=True Programmed',
    ],
    [
      'a dry run',
      { verb: 'apply', dryRun: true, done: [], warnings: ['careful'], plan: [] },
      'careful',
    ],
  ] as [string, CommandResult, string][])('%s: ephemeral', (_, result, expected) => {
    const message = slackOutcome(ok(result), info);
    expect(message.response_type).toBe('ephemeral');
    expect(text(message.blocks)).toContain(expected);
  });

  it.each([
    [
      'apply',
      {
        verb: 'apply',
        dryRun: false,
        done: ['waypoint default/waypoint applied'],
        warnings: [],
        plan: [],
      },
    ],
    [
      'delete',
      { verb: 'delete', waypoints: [{ namespace: 'default', name: 'w', outcome: 'deleted' }] },
    ],
  ] as [string, CommandResult][])(
    'an applied %s goes to the channel, naming who asked',
    (_, result) => {
      const message = slackOutcome(ok(result), { ...info, text: 'apply' });
      expect(message.response_type).toBe('in_channel');
      expect(text(message.blocks)).toContain('<@U2CERLKJA>');
    },
  );

  it('a delete of nothing stays ephemeral', () => {
    const result: CommandResult = {
      verb: 'delete',
      waypoints: [{ namespace: 'd', name: 'w', outcome: 'not found' }],
    };
    expect(slackOutcome(ok(result), info).response_type).toBe('ephemeral');
  });

  it('an error is its message and what to type, escaped, never a stack', () => {
    const message = slackOutcome(
      {
        exitCode: 1,
        command: { verb: 'enroll' },
        result: null,
        error: { type: 'UsageError', message: 'bad <input> & co; run `waypointer help`' },
      },
      info,
    );
    expect(message.response_type).toBe('ephemeral');
    expect(isSlackError(message)).toBe(true);
    expect(text(message.blocks)).toContain('bad &lt;input&gt; &amp; co; run `/waypoint help`');
    expect(text(message.blocks)).toContain('Type `/waypoint help`');
  });

  it('help is the grammar, ephemeral; the help verb renders it too', () => {
    expect(slackHelp().response_type).toBe('ephemeral');
    expect(slackOutcome(ok({ verb: 'help' }), info)).toEqual(slackHelp());
  });

  it('a confirmation: the plan, then Confirm and Cancel carrying the pending command', () => {
    const plan = ok({ verb: 'unenroll', dryRun: true, done: [], warnings: [], plan: [] });
    const message = slackConfirmation(
      plan,
      { ...info, text: 'unenroll namespace default' },
      '{"i":"x"}',
    );
    withinLimits(message);
    const actions = message.blocks.find((b) => b.type === 'actions');
    expect(
      actions?.type === 'actions' && actions.elements.map((e) => [e.action_id, e.value]),
    ).toEqual([
      [CONFIRM_ACTION, '{"i":"x"}'],
      ['waypointer_cancel', '{"i":"x"}'],
    ]);
    expect(plainText(message)).toContain('[Confirm] [Cancel]');
  });

  it('a decision replaces the confirmation', () => {
    expect(slackDecided('confirm', 'U1', 'delete w')).toMatchObject({ replace_original: true });
    expect(slackDecided('cancel', 'U1', 'delete w').text).toContain('cancelled');
  });

  it('plain text for a terminal: fences gone, entities back', () => {
    expect(plainText(slackError('a < b'))).toBe(
      ':warning: a < b\nType `/waypoint help` for the commands.\n',
    );
    expect(escapeMrkdwn('<&>')).toBe('&lt;&amp;&gt;');
    expect(plainText({ text: '', blocks: [{ type: 'divider' }] })).toBe('---\n');
  });
});

describe('wide tables, as lines that read on a phone', () => {
  const waypoint = { namespace: 'default', name: 'reviews-svc-waypoint' };
  const lines = (result: CommandResult): string[] =>
    resultBlocks(result)
      .flatMap((b) => ('text' in b && b.text !== undefined ? [b.text.text] : []))
      .join('\n')
      .replace(/```/g, '')
      .trim()
      .split('\n');

  it('bindings: one short line per Service, namespace default and labelled pod', () => {
    const result: CommandResult = {
      verb: 'bindings',
      namespace: 'default',
      services: [
        {
          namespace: 'default',
          name: 'reviews',
          waypoint,
          canary: null,
          via: 'service',
          condition: null,
        },
      ],
      pods: [
        { namespace: 'default', name: 'reviews-v2-6f85cb9b7c-9jbd8', waypoint: null, via: null },
      ],
      namespaces: [{ namespace: 'default', waypoint: null, via: null }],
      diagnostics: [],
      serviceEntries: [],
      workloadEntries: [],
    };
    expect(lines(result)).toEqual([
      'Service default/reviews → default/reviews-svc-waypoint (via service)',
      'Pods of default → none',
      'Pod default/reviews-v2-6f85cb9b7c-9jbd8 → none',
    ]);
  });

  it('bindings: a Service line names its canary and weight', () => {
    const result: CommandResult = {
      verb: 'bindings',
      namespace: 'default',
      services: [
        {
          namespace: 'default',
          name: 'reviews',
          waypoint,
          canary: { waypoint: { namespace: 'default', name: 'reviews-v2' }, weight: 10 },
          via: 'service',
          condition: null,
        },
      ],
      pods: [],
      namespaces: [],
      diagnostics: [],
      serviceEntries: [],
      workloadEntries: [],
    };
    expect(lines(result)).toEqual([
      'Service default/reviews → default/reviews-svc-waypoint + canary default/reviews-v2 10% (via service)',
    ]);
  });

  it('plan: each step, its warnings and its changes', () => {
    const result: CommandResult = {
      verb: 'plan',
      steps: [
        {
          mutation: {
            op: 'enroll',
            target: { kind: 'service', namespace: 'default', name: 'reviews' },
            waypoint: 'reviews-svc-waypoint',
          },
          warnings: [],
          skipped: false,
          changes: [
            {
              kind: 'Service',
              namespace: 'default',
              name: 'reviews',
              traffic: 'service',
              before: {
                namespace: 'default',
                name: 'reviews',
                waypoint: { namespace: 'default', name: 'waypoint' },
                canary: null,
                via: 'namespace',
                condition: null,
              },
              after: {
                namespace: 'default',
                name: 'reviews',
                waypoint,
                canary: null,
                via: 'service',
                condition: null,
              },
            },
          ],
        },
      ],
    };
    expect(lines(result)).toEqual([
      '1. enroll',
      'Service reviews: default/waypoint → default/reviews-svc-waypoint',
    ]);
  });
});
