/**
 * `waypointer slack "<text>"`: what a Slack workspace does, on a terminal. Signs a `/waypoint`
 * slash command with the signing secret, posts it to a ChatOps ingress (`npm start`'s gateway by
 * default), prints the acknowledgement and what the worker posts to the response_url (a local
 * HTTP server on loopback), and with `--yes` clicks Confirm on a plan. It never loads the local
 * stack: it only reads `.local/endpoints.json` for the URL and the development secret.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { signSlackRequest } from '../adapters/slack/verify.ts';
import {
  CONFIRM_ACTION,
  isSlackError,
  plainText,
  type SlackBlock,
  type SlackMessage,
  WORKING_MARK,
} from './slack.ts';

export const SLACK_COMMAND_HELP = `Usage: waypointer slack [--url URL] [--secret S] [--team T] [--channel C] [--user U]
                        [--yes] [--timeout SECONDS] "<command>"
Sends "/waypoint <command>" to a ChatOps ingress as Slack would (signed with the signing secret),
prints the answer and what is posted to its response_url; --yes confirms a plan.
  --url       the ingress's /slack/commands (default: .local/endpoints.json, as npm start writes it)
  --secret    the signing secret (default: $SLACK_SIGNING_SECRET, else .local/endpoints.json)
  --team, --channel, --user   the Slack ids the command comes from (default T0LOCAL, C0LOCAL, U0LOCAL)
`;

/** What the command writes and reads. */
export interface SlackCommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Record<string, string | undefined>;
}

/** The posts a response_url server received, in order, and a way to wait for the next. */
class ResponseInbox {
  readonly #received: SlackMessage[] = [];
  readonly #waiting: ((message: SlackMessage) => void)[] = [];
  readonly server: Server;

  constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        const message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SlackMessage;
        const waiter = this.#waiting.shift();
        if (waiter === undefined) this.#received.push(message);
        else waiter(message);
      });
    });
  }

  async url(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  next(timeoutMs: number): Promise<SlackMessage> {
    const ready = this.#received.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no answer on the response_url within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      this.#waiting.push((message) => {
        clearTimeout(timer);
        resolve(message);
      });
    });
  }
}

interface Target {
  readonly url: string;
  readonly secret: string;
}

async function targetOf(values: Record<string, unknown>, io: SlackCommandIo): Promise<Target> {
  let endpoints: { slack?: { commands?: string; signingSecret?: string } } = {};
  try {
    endpoints = JSON.parse(await readFile('.local/endpoints.json', 'utf8'));
  } catch {
    // No local stack has run here: --url and a secret must be given.
  }
  const url = (values.url as string | undefined) ?? endpoints.slack?.commands;
  const secret =
    (values.secret as string | undefined) ??
    io.env.SLACK_SIGNING_SECRET ??
    endpoints.slack?.signingSecret;
  if (url === undefined || secret === undefined)
    throw new Error('give --url and --secret (or SLACK_SIGNING_SECRET), or run `npm start` first');
  return { url, secret };
}

/** Posts a signed form; the answer's status and body. */
async function send(
  url: string,
  secret: string,
  form: URLSearchParams,
): Promise<{ status: number; body: string }> {
  const body = form.toString();
  const timestamp = Math.floor(Date.now() / 1000);
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signSlackRequest(secret, timestamp, body),
    },
    body,
  });
  return { status: response.status, body: await response.text() };
}

function confirmValue(message: SlackMessage): string | undefined {
  const actions = message.blocks.find(
    (b): b is Extract<SlackBlock, { type: 'actions' }> => b.type === 'actions',
  );
  return actions?.elements.find((e) => e.action_id === CONFIRM_ACTION)?.value;
}

interface Options {
  readonly team: string;
  readonly channel: string;
  readonly user: string;
  readonly timeoutMs: number;
}

/** Clicks Confirm as Slack would, and prints what is posted back. */
async function confirm(
  target: Target,
  inbox: ResponseInbox,
  base: string,
  value: string,
  o: Options,
  io: SlackCommandIo,
): Promise<SlackMessage> {
  const payload = {
    type: 'block_actions',
    user: { id: o.user },
    team: { id: o.team },
    channel: { id: o.channel },
    response_url: `${base}/interaction`,
    actions: [{ action_id: CONFIRM_ACTION, value }],
  };
  const interactions = target.url.replace(/\/slack\/commands$/, '/slack/interactions');
  const clicked = await send(
    interactions,
    target.secret,
    new URLSearchParams({ payload: JSON.stringify(payload) }),
  );
  if (clicked.status !== 200)
    throw new Error(`the ingress answered ${clicked.status}: ${clicked.body}`);
  let message = await inbox.next(o.timeoutMs);
  io.stdout(plainText(message));
  if (message.replace_original === true && !isSlackError(message)) {
    message = await inbox.next(o.timeoutMs);
    io.stdout(plainText(message));
  }
  return message;
}

/**
 * `waypointer slack`: returns the exit code (1 when the answer is an error or none came).
 *
 * @example
 * await slackCommand(['list', '-A'], { stdout, stderr, env: process.env });
 */
export async function slackCommand(args: readonly string[], io: SlackCommandIo): Promise<number> {
  let parsed: ReturnType<typeof parseSlackArgs>;
  try {
    parsed = parseSlackArgs(args);
  } catch (error) {
    io.stderr(`Error: ${(error as Error).message}\n${SLACK_COMMAND_HELP}`);
    return 1;
  }
  if (parsed.values.help === true) {
    io.stdout(SLACK_COMMAND_HELP);
    return 0;
  }
  const o: Options = {
    team: (parsed.values.team as string | undefined) ?? 'T0LOCAL',
    channel: (parsed.values.channel as string | undefined) ?? 'C0LOCAL',
    user: (parsed.values.user as string | undefined) ?? 'U0LOCAL',
    timeoutMs: Number(parsed.values.timeout ?? '120') * 1000,
  };
  const inbox = new ResponseInbox();
  try {
    const target = await targetOf(parsed.values, io);
    const base = await inbox.url();
    const form = new URLSearchParams({
      command: '/waypoint',
      text: parsed.positionals.join(' '),
      team_id: o.team,
      channel_id: o.channel,
      user_id: o.user,
      response_url: `${base}/command`,
      trigger_id: `${Date.now()}.${randomBytes(8).toString('hex')}`,
    });
    const answered = await send(target.url, target.secret, form);
    if (answered.status !== 200)
      throw new Error(`the ingress answered ${answered.status}: ${answered.body}`);
    let message = JSON.parse(answered.body) as SlackMessage;
    io.stdout(plainText(message));
    if (message.text.startsWith(WORKING_MARK)) {
      message = await inbox.next(o.timeoutMs);
      io.stdout(plainText(message));
    }
    const value = confirmValue(message);
    if (value !== undefined) {
      if (parsed.values.yes !== true) {
        io.stdout('(nothing changed: run again with --yes to confirm)\n');
        return 0;
      }
      message = await confirm(target, inbox, base, value, o, io);
    }
    return isSlackError(message) ? 1 : 0;
  } catch (error) {
    io.stderr(`Error: ${(error as Error).message}\n`);
    return 1;
  } finally {
    inbox.server.close();
  }
}

const VALUE_OPTIONS = ['url', 'secret', 'team', 'channel', 'user', 'timeout'];

/**
 * The options before the command, and the command's words: everything from the first word that is
 * not one of this command's options (or after `--`) is the text sent to Slack, flags and all.
 */
function parseSlackArgs(args: readonly string[]) {
  let at = 0;
  while (at < args.length) {
    const word = args[at] as string;
    const name = word.replace(/^--?/, '').split('=')[0] as string;
    if (word === '--') break;
    if (
      !word.startsWith('-') ||
      !(VALUE_OPTIONS.includes(name) || ['yes', 'help', 'h'].includes(name))
    )
      break;
    at += VALUE_OPTIONS.includes(name) && !word.includes('=') ? 2 : 1;
  }
  const { values } = parseArgs({
    args: args.slice(0, at),
    allowPositionals: false,
    strict: true,
    options: {
      url: { type: 'string' },
      secret: { type: 'string' },
      team: { type: 'string' },
      channel: { type: 'string' },
      user: { type: 'string' },
      timeout: { type: 'string' },
      yes: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const positionals = args.slice(args[at] === '--' ? at + 1 : at);
  return { values, positionals };
}
