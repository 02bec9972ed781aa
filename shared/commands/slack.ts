/**
 * Renders command outcomes for Slack in Block Kit, within Slack's limits (at most 50 blocks a
 * message, 3,000 characters a section): short lines that read on a phone, long output cut with a
 * note saying how to narrow it, help and errors ephemeral with what to type instead, applied
 * changes in the channel with who asked. Never a stack trace: an error is its message only.
 */
import type { CommandResult } from '../app/run-command.ts';
import type { BindingChange } from '../domain/diff.ts';
import type { CommandOutcome } from '../ports.ts';
import { canaryText, changeName } from './format.ts';
import type { Output } from './grammar.ts';
import { renderOutcome, resultText } from './render.ts';

/** A Block Kit text object. */
export interface SlackText {
  readonly type: 'mrkdwn' | 'plain_text';
  readonly text: string;
}

/** A button of an actions block. */
export interface SlackButton {
  readonly type: 'button';
  readonly text: SlackText;
  readonly action_id: string;
  readonly value: string;
  readonly style?: 'primary' | 'danger';
}

/** The blocks waypointer sends. */
export type SlackBlock =
  | { readonly type: 'section'; readonly text: SlackText }
  | { readonly type: 'context'; readonly elements: readonly SlackText[] }
  | {
      readonly type: 'actions';
      readonly block_id: string;
      readonly elements: readonly SlackButton[];
    }
  | { readonly type: 'divider' };

/** A message as a slash command's response or a `response_url` post takes it. */
export interface SlackMessage {
  readonly response_type?: 'ephemeral' | 'in_channel';
  readonly replace_original?: boolean;
  /** The notification and fallback text. */
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

/** Slack's limits, with room kept for the context lines waypointer adds. */
export const SLACK_LIMITS = { blocks: 50, sectionChars: 3000, contentBlocks: 40 } as const;

/** The action ids of the confirmation buttons. */
export const CONFIRM_ACTION = 'waypointer_confirm';
export const CANCEL_ACTION = 'waypointer_cancel';

/** The help of the slash command: the shared grammar's verbs, as typed after `/waypoint`. */
export const SLACK_HELP = `/waypoint COMMAND [flags]   (the same grammar as the waypointer CLI)
  list [-n NS | -A]                       waypoints: name, revision, traffic type, programmed
  status [NAME] [-n NS | -A]              each waypoint's Programmed condition
  bindings [-n NS | -A]                   which waypoint each Service, Pod and Istio entry uses
  explain service/NAME | pod/NAME | se/NAME | we/NAME [-n NS]   why an object is bound the way it is
  generate [-n NS] [--name N] [--for T]   the waypoint Gateway istioctl would generate
  plan MUTATION [; MUTATION]...           preview changes; nothing changes
  apply [-n NS] [--name N] [--for T] [--enroll-namespace] [--overwrite] [-w]
  enroll namespace [NS] | service NAME | se NAME | we NAME | pods -l SELECTOR --waypoint W [-n NS] [--overwrite]
  enroll namespace [NS] | service NAME | se NAME --canary C [--weight N]   a canary waypoint (1.31)
  promote | rollback namespace [NS] | service NAME | se NAME   the canary becomes the waypoint, or goes
  unenroll namespace [NS] | service NAME | se NAME | we NAME | pods -l SELECTOR [-n NS]
  delete NAME... | --all [-n NS] [--unenroll] [--force]
Every command takes --cluster C and --dry-run. delete, unenroll, promote, rollback and
--overwrite ask for a confirmation first.`;

/** Escapes the three characters mrkdwn gives meaning to. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const section = (text: string): SlackBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });
const context = (text: string): SlackBlock => ({
  type: 'context',
  elements: [{ type: 'mrkdwn', text }],
});

const FENCE = '```';

/**
 * Text as preformatted sections of at most {@link SLACK_LIMITS}.sectionChars each, cut after
 * `maxBlocks` sections with a note of how much was left out and what to type instead.
 */
export function preformatted(
  text: string,
  maxBlocks: number = SLACK_LIMITS.contentBlocks,
): SlackBlock[] {
  const room = SLACK_LIMITS.sectionChars - 2 * FENCE.length - 2;
  const lines = escapeMrkdwn(text.replace(/\n+$/, ''))
    .split('\n')
    .map((line) => (line.length > room ? `${line.slice(0, room - 1)}…` : line));
  const chunks: string[] = [];
  let current: string[] = [];
  let size = 0;
  let used = 0;
  for (const line of lines) {
    if (size + line.length + 1 > room && current.length > 0) {
      chunks.push(current.join('\n'));
      if (chunks.length === maxBlocks) break;
      current = [];
      size = 0;
    }
    current.push(line);
    size += line.length + 1;
    used += 1;
  }
  if (current.length > 0 && chunks.length < maxBlocks) chunks.push(current.join('\n'));
  else used -= current.length;
  const blocks = chunks.map((chunk) => section(`${FENCE}\n${chunk}\n${FENCE}`));
  if (used < lines.length)
    blocks.push(
      context(
        `Showing ${used} of ${lines.length} lines. Narrow it with \`-n NAMESPACE\`, or run the same command with the waypointer CLI for all of it.`,
      ),
    );
  return blocks;
}

/** One line per waypoint: short enough for a phone, the columns istioctl prints. */
function waypointLines(result: CommandResult & { verb: 'list' | 'status' }): string {
  if (result.waypoints.length === 0) return 'No waypoints found.';
  if (result.verb === 'list')
    return result.waypoints
      .map(
        (w) =>
          `${w.programmed === 'True' ? '✅' : '⏳'} ${w.namespace}/${w.name}  for=${w.trafficType}  rev=${w.revision}  programmed=${w.programmed}`,
      )
      .join('\n');
  return result.waypoints
    .map((w) => {
      const s = w.status;
      const state = s === null ? 'no condition' : `${s.type}=${s.status} ${s.reason}`;
      return `${s?.status === 'True' ? '✅' : '⏳'} ${w.waypoint.namespace}/${w.waypoint.name}  ${state}${s?.message ? `\n    ${s.message}` : ''}`;
    })
    .join('\n');
}

/** A waypoint reference in few characters: `ns/name`, or `none`. */
function ref(waypoint: { namespace: string; name: string } | null | undefined): string {
  return waypoint === null || waypoint === undefined
    ? 'none'
    : `${waypoint.namespace}/${waypoint.name}`;
}

/** One line per binding change: `Service reviews: default/waypoint → default/reviews-svc`. */
function changeLines(changes: readonly BindingChange[]): string[] {
  return changes.map(
    (c) =>
      `${c.kind} ${c.kind === 'Namespace' ? c.namespace : changeName(c)}: ${c.before === null ? 'new' : ref(c.before.waypoint)} → ${c.after === null ? 'gone' : ref(c.after.waypoint)}`,
  );
}

/**
 * One line per Service, namespace default, labelled pod, ServiceEntry, WorkloadEntry and inline
 * endpoint, then the diagnostics.
 */
function bindingLines(result: CommandResult & { verb: 'bindings' }): string[] {
  const via = (v: string | null): string => (v === null ? '' : ` (via ${v})`);
  return [
    ...result.services.map(
      (b) =>
        `Service ${b.namespace}/${b.name} → ${ref(b.waypoint)}${b.canary ? ` + canary ${canaryText(b)}` : ''}${via(b.via)}`,
    ),
    ...result.namespaces.map((b) => `Pods of ${b.namespace} → ${ref(b.waypoint)}${via(b.via)}`),
    ...result.pods.map((b) => `Pod ${b.namespace}/${b.name} → ${ref(b.waypoint)}${via(b.via)}`),
    ...result.serviceEntries.map(
      (b) =>
        `ServiceEntry ${b.namespace}/${b.name} → ${ref(b.waypoint)}${b.canary ? ` + canary ${canaryText(b)}` : ''}${via(b.via)}`,
    ),
    ...result.workloadEntries.map((b) => {
      const what =
        b.serviceEntryEndpoint === undefined
          ? `WorkloadEntry ${b.namespace}/${b.name}`
          : `Endpoint ${b.serviceEntryEndpoint} of ServiceEntry ${b.namespace}/${b.name}`;
      return `${what} → ${ref(b.waypoint)}${via(b.via)}`;
    }),
    ...result.diagnostics.map((d) => `⚠ ${d.code}: ${d.subject} ${d.message}`),
  ];
}

/**
 * Results whose CLI form is a wide table, as short lines that read on a phone; undefined for the
 * others.
 */
function phoneLines(result: CommandResult): string[] | undefined {
  switch (result.verb) {
    case 'bindings':
      return bindingLines(result);
    case 'plan':
      return result.steps.flatMap((step, i) => [
        `${i + 1}. ${step.mutation.op}${step.skipped ? ' (would do nothing)' : ''}`,
        ...step.warnings.map((w) => `⚠ ${w}`),
        ...(step.changes.length === 0 ? ['no binding changes'] : changeLines(step.changes)),
      ]);
    case 'apply':
    case 'enroll':
    case 'unenroll':
    case 'promote':
    case 'rollback':
      return [
        ...result.done,
        ...result.warnings.map((w) => `⚠ ${w}`),
        ...changeLines(result.changes ?? result.plan),
      ];
    default:
      return undefined;
  }
}

/**
 * The blocks of a result: with `-o json` or `-o yaml` the result model as the CLI prints it; else
 * waypoint lists one line each, everything else as the CLI prints it.
 */
export function resultBlocks(result: CommandResult, output: Output = 'table'): SlackBlock[] {
  if (output !== 'table')
    return preformatted(
      renderOutcome({ exitCode: 0, command: {}, result }, output, SLACK_HELP).stdout,
    );
  if (result.verb === 'list' || result.verb === 'status')
    return preformatted(waypointLines(result));
  const lines = phoneLines(result);
  if (lines !== undefined)
    return preformatted(lines.length === 0 ? '(nothing to show)' : lines.join('\n'));
  const text = resultText(result, SLACK_HELP);
  return preformatted(text === '' ? '(nothing to show)' : text);
}

/** What a message is about: who asked for which command, and on which cluster. */
export interface SlackRequestInfo {
  /** The Slack user id (`U2CERLKJA`). */
  readonly user: string;
  /** The command text as typed after `/waypoint`. */
  readonly text: string;
  readonly cluster: string;
}

function asked(info: SlackRequestInfo): string {
  return `<@${info.user}> ran \`/waypoint ${escapeMrkdwn(info.text)}\` on *${escapeMrkdwn(info.cluster)}*`;
}

/** Slack's words for the CLI's (`run \`waypointer help\``). */
function inSlackWords(message: string): string {
  return message.replace(/`?waypointer help`?/g, '`/waypoint help`');
}

/**
 * An ephemeral error: the message (never a stack trace) and what to type instead.
 *
 * @example
 * slackError('unknown command "lst" for "waypointer"; run `waypointer help`');
 */
export function slackError(
  message: string,
  hint = 'Type `/waypoint help` for the commands.',
): SlackMessage {
  const text = `:warning: ${escapeMrkdwn(inSlackWords(message))}`;
  return {
    response_type: 'ephemeral',
    text: text.slice(0, SLACK_LIMITS.sectionChars),
    blocks: [section(text.slice(0, SLACK_LIMITS.sectionChars)), context(hint)],
  };
}

/** The help, ephemeral. */
export function slackHelp(): SlackMessage {
  return {
    response_type: 'ephemeral',
    text: 'waypointer commands',
    blocks: [
      ...preformatted(SLACK_HELP),
      context("The grammar is the CLI's: `waypointer help` lists the same commands."),
    ],
  };
}

const CHANGES = new Set(['apply', 'enroll', 'unenroll', 'delete', 'promote', 'rollback']);

/** Whether a result changed a cluster (not a dry run), which the whole channel should see. */
function changed(result: CommandResult | null): boolean {
  if (result === null || !CHANGES.has(result.verb)) return false;
  if (result.verb === 'delete') return result.waypoints.some((w) => w.outcome === 'deleted');
  return !(result as { dryRun: boolean }).dryRun;
}

/**
 * An outcome as a message: an applied change `in_channel`, naming who asked; reads, dry runs,
 * help and errors ephemeral. A failure that still has a result (a wait that timed out after the
 * apply) shows both.
 *
 * @example
 * slackOutcome(outcome, { user: 'U2CERLKJA', text: 'list -A', cluster: 'prod' });
 */
export function slackOutcome(outcome: CommandOutcome, info: SlackRequestInfo): SlackMessage {
  const result = (outcome.result ?? null) as CommandResult | null;
  if (result?.verb === 'help') return slackHelp();
  const inChannel = changed(result);
  const blocks: SlackBlock[] = [context(asked(info))];
  const output =
    outcome.command.output === 'json' || outcome.command.output === 'yaml'
      ? outcome.command.output
      : 'table';
  if (result !== null) blocks.push(...resultBlocks(result, output));
  if (outcome.error !== undefined) {
    const error = slackError(outcome.error.message);
    blocks.push(...error.blocks);
  }
  const verb = String(outcome.command.verb ?? 'command');
  return {
    response_type: inChannel ? 'in_channel' : 'ephemeral',
    text:
      outcome.error === undefined
        ? `waypointer ${verb} on ${info.cluster}`
        : `waypointer ${verb} failed: ${outcome.error.message}`.slice(0, SLACK_LIMITS.sectionChars),
    blocks,
  };
}

/**
 * The plan of a destructive command (its dry run) with Confirm and Cancel buttons, ephemeral: only
 * the one who asked sees it. `value` identifies the pending command (at most 2,000 characters).
 */
export function slackConfirmation(
  plan: CommandOutcome,
  info: SlackRequestInfo,
  value: string,
): SlackMessage {
  const result = (plan.result ?? null) as CommandResult | null;
  return {
    response_type: 'ephemeral',
    text: `Confirm /waypoint ${info.text}`,
    blocks: [
      section(
        `:rotating_light: \`/waypoint ${escapeMrkdwn(info.text)}\` on *${escapeMrkdwn(info.cluster)}* would do this:`,
      ),
      ...(result === null ? [] : resultBlocks(result).slice(0, SLACK_LIMITS.contentBlocks - 2)),
      {
        type: 'actions',
        block_id: 'waypointer_confirmation',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Confirm' },
            action_id: CONFIRM_ACTION,
            value,
            style: 'danger',
          },
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Cancel' },
            action_id: CANCEL_ACTION,
            value,
          },
        ],
      },
      context('Nothing has changed yet. The plan is valid for 30 minutes.'),
    ],
  };
}

/** What replaces a confirmation once someone decided: the buttons go, who decided stays. */
export function slackDecided(
  decision: 'confirm' | 'cancel',
  user: string,
  text: string,
): SlackMessage {
  const line =
    decision === 'confirm'
      ? `:white_check_mark: <@${user}> confirmed \`/waypoint ${escapeMrkdwn(text)}\`: the result is posted in the channel.`
      : `:x: <@${user}> cancelled \`/waypoint ${escapeMrkdwn(text)}\`. Nothing changed.`;
  return { replace_original: true, text: line, blocks: [section(line)] };
}

/** How the acknowledgement of a command handed to the worker begins. */
export const WORKING_MARK = ':hourglass_flowing_sand:';

/** The acknowledgement of a command handed to the worker. */
export function slackWorking(info: SlackRequestInfo): SlackMessage {
  const line = `${WORKING_MARK} Running \`/waypoint ${escapeMrkdwn(info.text)}\` on *${escapeMrkdwn(info.cluster)}*…`;
  return { response_type: 'ephemeral', text: line, blocks: [section(line)] };
}

/** Whether a message reports an error (its fallback text says so). */
export function isSlackError(message: SlackMessage): boolean {
  return message.text.startsWith(':warning:') || / failed: /.test(message.text);
}

const unescapeMrkdwn = (text: string): string =>
  text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/**
 * A message as a terminal shows it: sections without their code fences, context lines, and the
 * buttons in brackets.
 *
 * @example
 * plainText(slackHelp()); // '/waypoint COMMAND [flags] ...'
 */
export function plainText(message: SlackMessage): string {
  const lines = message.blocks.map((block) => {
    switch (block.type) {
      case 'section':
        return block.text.text.replace(/^```\n|\n```$/g, '');
      case 'context':
        return block.elements.map((e) => e.text).join(' ');
      case 'actions':
        return block.elements.map((e) => `[${e.text.text}]`).join(' ');
      default:
        return '---';
    }
  });
  return `${unescapeMrkdwn(lines.join('\n'))}\n`;
}
