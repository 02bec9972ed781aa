/**
 * ChatOps end to end on loopback: signed requests (built as Slack builds them) to the local gateway,
 * the real ingress, the ChatOps FIFO queue on the embedded SQS endpoint, the real worker with
 * Powertools idempotency on dynalite, the real command layer under a policy, the embedded
 * cluster, and answers posted with `fetch` to a response_url server. The embedded cluster's audit
 * events go through the pipeline, so the binding changes a Slack command causes name its user.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { LocalCluster } from '@waypointer/kube-api';
import {
  type LocalChatOps,
  type LocalPipeline,
  startChatOps,
  startGateway,
  startPipeline,
} from '@waypointer/local-stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesCluster } from '../../shared/adapters/kubernetes/cluster.ts';
import { StaticClusterRegistry } from '../../shared/adapters/kubernetes/registry.ts';
import { signSlackRequest } from '../../shared/adapters/slack/verify.ts';
import { parsePolicy } from '../../shared/app/authorization.ts';
import { CANCEL_ACTION, CONFIRM_ACTION, type SlackMessage } from '../../shared/commands/slack.ts';
import { slackCommand } from '../../shared/commands/slack-command.ts';
import { cluster, kubeConfigOf } from '../support/kube.ts';

const SECRET = 'test-signing-secret';
const TEAM = 'T1';
const CHANNEL = 'C1';
const VIEWER = 'UVIEW';
const OPERATOR = 'UOPS';
const POLICY = parsePolicy(
  JSON.stringify({
    version: 1,
    rules: [
      { subjects: [`slack:${TEAM}/*`], role: 'viewer', clusters: ['*'], namespaces: ['*'] },
      {
        subjects: [`slack:${TEAM}/${CHANNEL}/${OPERATOR}`],
        role: 'operator',
        clusters: ['local'],
        namespaces: ['default'],
      },
    ],
  }),
);

/** A response_url server: every post, by path. */
class Inbox {
  readonly posts: { path: string; message: SlackMessage }[] = [];
  readonly server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      this.posts.push({
        path: request.url ?? '/',
        message: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
      response.writeHead(200).end('ok');
    });
  });
  url = '';
  of(path: string): SlackMessage[] {
    return this.posts.filter((p) => p.path === path).map((p) => p.message);
  }
}

let local: LocalCluster;
let pipeline: LocalPipeline;
let chatops: LocalChatOps;
let gateway: { url: string; server: Server };
let sqs: SQSClient;
const inbox = new Inbox();

/** A request as Slack signs it: form body, timestamp, signature. */
function signed(
  form: Record<string, string>,
  options: { secret?: string; timestamp?: number } = {},
): { headers: Record<string, string>; body: string } {
  const body = new URLSearchParams(form).toString();
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signSlackRequest(options.secret ?? SECRET, timestamp, body),
    },
  };
}

async function post(
  path: string,
  request: { headers: Record<string, string>; body: string },
): Promise<{ status: number; text: string }> {
  const response = await fetch(`${gateway.url}${path}`, { method: 'POST', ...request });
  return { status: response.status, text: await response.text() };
}

/** Sends `/waypoint <text>` as `user`; the answer and the response_url path of its posts. */
async function slash(
  text: string,
  user: string,
): Promise<{ status: number; answer: SlackMessage; path: string }> {
  const path = `/r/${randomBytes(6).toString('hex')}`;
  const { status, text: body } = await post(
    '/slack/commands',
    signed({
      command: '/waypoint',
      text,
      team_id: TEAM,
      channel_id: CHANNEL,
      user_id: user,
      response_url: `${inbox.url}${path}`,
      trigger_id: `${Date.now()}.${randomBytes(6).toString('hex')}`,
    }),
  );
  return { status, answer: status === 200 ? JSON.parse(body) : body, path };
}

function click(action: string, value: string, user: string, path: string) {
  return signed({
    payload: JSON.stringify({
      type: 'block_actions',
      user: { id: user },
      team: { id: TEAM },
      channel: { id: CHANNEL },
      response_url: `${inbox.url}${path}`,
      actions: [{ action_id: action, value }],
    }),
  });
}

const textOf = (message: SlackMessage): string => JSON.stringify(message.blocks);

/** Retries `check` until it returns without throwing (or rethrows after `timeoutMs`). */
async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

async function posted(path: string, count = 1): Promise<SlackMessage[]> {
  return eventually(() => {
    const messages = inbox.of(path);
    if (messages.length < count) throw new Error(`${messages.length} posts to ${path}`);
    return messages;
  });
}

const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'CRITICAL';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  await new Promise<void>((r) => inbox.server.listen(0, '127.0.0.1', () => r()));
  inbox.url = `http://127.0.0.1:${(inbox.server.address() as AddressInfo).port}`;
  const handlers: { slack?: LocalChatOps['handler']; audit?: LocalPipeline['auditWebhook'] } = {};
  gateway = await startGateway((event, context) => {
    const handler = event.rawPath.startsWith('/audit/') ? handlers.audit : handlers.slack;
    return handler === undefined ? Promise.resolve({ statusCode: 503 }) : handler(event, context);
  });
  local = await cluster({ audit: { webhookUrl: `${gateway.url}/audit/local` } });
  local.server.addToken('waypointer-token', { username: 'waypointer', groups: ['system:masters'] });
  const clusters = new StaticClusterRegistry({
    local: new KubernetesCluster(kubeConfigOf(local, 'waypointer-token')),
  });
  pipeline = await startPipeline({
    clusters,
    identities: { local: ['waypointer'] },
    sweepIntervalMs: 3_600_000,
  });
  handlers.audit = pipeline.auditWebhook;
  chatops = await startChatOps({
    clusters,
    policy: POLICY,
    sqs: pipeline.sqs,
    dynamodb: pipeline.dynamodb,
    signingSecret: SECRET,
    logger: new Logger({ serviceName: 'waypointer', logLevel: 'CRITICAL' }),
    metrics: new Metrics({ namespace: 'waypointer', serviceName: 'waypointer' }),
  });
  handlers.slack = chatops.handler;
  sqs = new SQSClient({
    endpoint: pipeline.sqs,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
}, 60_000);

afterAll(async () => {
  sqs.destroy();
  await chatops.stop();
  await pipeline.stop();
  await local.stop();
  await new Promise<void>((r) => gateway.server.close(() => r()));
  inbox.server.close();
});

describe('the Slack ingress refuses what Slack did not sign', () => {
  const form = {
    command: '/waypoint',
    text: 'help',
    team_id: TEAM,
    channel_id: CHANNEL,
    user_id: VIEWER,
    response_url: 'https://hooks.slack.com/x',
    trigger_id: '1.2.3',
  };

  it.each([
    ['another secret', () => signed(form, { secret: 'not-the-secret' })],
    ['a stale timestamp', () => signed(form, { timestamp: Math.floor(Date.now() / 1000) - 400 })],
    ['a future timestamp', () => signed(form, { timestamp: Math.floor(Date.now() / 1000) + 400 })],
    [
      'no signature',
      () => ({
        body: new URLSearchParams(form).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    ],
    [
      'a tampered body',
      () => {
        const request = signed(form);
        return { ...request, body: request.body.replace('help', 'delete+--all') };
      },
    ],
  ])('%s: 401', async (_, build) => {
    expect((await post('/slack/commands', build())).status).toBe(401);
    expect((await post('/slack/interactions', build())).status).toBe(401);
  });

  it("answers Slack's ssl_check with 200 and nothing else", async () => {
    const response = await post('/slack/commands', {
      body: 'ssl_check=1&token=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response).toEqual({ status: 200, text: '' });
  });

  it('answers 404 off its two routes', async () => {
    expect((await post('/slack/other', signed(form))).status).toBe(404);
  });
});

describe('commands within the acknowledgement', () => {
  it('help, ephemeral, in the grammar of the CLI', async () => {
    const { status, answer } = await slash('help', VIEWER);
    expect(status).toBe(200);
    expect(answer.response_type).toBe('ephemeral');
    expect(textOf(answer)).toContain('enroll namespace');
  });

  it.each([
    ['lst', /unknown command \\"lst\\"/, '`/waypoint help`'],
    ['list --kubeconfig /tmp/x', /--kubeconfig is for the command line only/, '--cluster'],
    ['enroll service', /./, '/waypoint help'],
    [
      'list --cluster nowhere',
      /cluster nowhere is not configured: use --cluster with one of local/,
      'help',
    ],
  ])('%s: an ephemeral error saying what to type', async (text, reason, hint) => {
    const { status, answer } = await slash(text, VIEWER);
    expect(status).toBe(200);
    expect(answer.response_type).toBe('ephemeral');
    expect(textOf(answer)).toMatch(reason);
    expect(textOf(answer)).toContain(hint);
    expect(textOf(answer)).not.toMatch(/at .*\.ts:\d+/);
  });

  it('generate answers the Gateway at once', async () => {
    const { answer } = await slash('generate -n default --for workload', VIEWER);
    expect(textOf(answer)).toContain('istio.io/waypoint-for: workload');
  });

  it('a mutation by a viewer is refused at the door, naming its subject', async () => {
    const { answer } = await slash('apply -n default', VIEWER);
    expect(answer.response_type).toBe('ephemeral');
    expect(textOf(answer)).toContain(`slack:${TEAM}/${CHANNEL}/${VIEWER}`);
    expect(textOf(answer)).toContain('may not mutate');
  });
});

describe('commands through the worker', () => {
  it('a read: acknowledged, then answered on the response_url', async () => {
    const { answer, path } = await slash('list -A', VIEWER);
    expect(answer.text).toMatch(/Running `\/waypoint list -A` on \*local\*/);
    const [result] = await posted(path);
    expect(result?.response_type).toBe('ephemeral');
    expect(textOf(result as SlackMessage)).toMatch(/No waypoints found|programmed=/);
  });

  it('an apply by an operator: in the channel, naming the user; its binding changes name them too', async () => {
    const { path } = await slash('apply -n default --enroll-namespace', OPERATOR);
    const [result] = await posted(path);
    expect(result?.response_type).toBe('in_channel');
    expect(textOf(result as SlackMessage)).toContain(`<@${OPERATOR}>`);
    expect(textOf(result as SlackMessage)).toContain('waypoint default/waypoint applied');
    const changes: Message[] = [];
    await eventually(async () => {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: pipeline.queues.bindingChanges,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      );
      changes.push(...Messages);
      if (!changes.some((m) => (m.Body ?? '').includes('"actor"')))
        throw new Error('no change yet');
    }, 20_000);
    const actors = changes.map((m) => JSON.parse(m.Body as string).data.cause.actor);
    expect(actors).toContain(`slack:${TEAM}/${CHANNEL}/${OPERATOR}`);
  });

  it.each([
    ['status -n default', /waypoint|No waypoints found/],
    ['bindings -n default', /reviews/],
    ['explain service/reviews -n default', /Service default\/reviews/],
    ['plan enroll service ratings -n default --waypoint none', /ratings/],
    ['list -n default -o json', /^\[|"name"/m],
  ])('the read %s: answered on the response_url', async (text, expected) => {
    const { path } = await slash(text, VIEWER);
    const [result] = await posted(path);
    expect(result?.response_type).toBe('ephemeral');
    expect(textOf(result as SlackMessage)).toMatch(expected);
  });

  it('enroll and unenroll by an operator: enroll runs, unenroll asks first (a plan to confirm)', async () => {
    const enrolled = await slash('enroll service details -n default --waypoint none', OPERATOR);
    const [done] = await posted(enrolled.path);
    expect(done?.response_type).toBe('in_channel');
    expect(textOf(done as SlackMessage)).toContain('istio.io/use-waypoint: none');
    const unenroll = await slash('unenroll service details -n default', OPERATOR);
    const [plan] = await posted(unenroll.path);
    expect(JSON.stringify(plan)).toContain('Confirm');
  });

  it('an operator outside its namespaces is refused at the door', async () => {
    const { answer } = await slash('apply -n bookinfo', OPERATOR);
    expect(textOf(answer)).toContain('its role there is viewer');
  });
});

describe('destructive commands ask for a confirmation', () => {
  async function plan(
    text: string,
  ): Promise<{ value: string; path: string; message: SlackMessage }> {
    const { path } = await slash(text, OPERATOR);
    const [message] = await posted(path);
    const actions = message?.blocks.find((b) => b.type === 'actions');
    if (actions?.type !== 'actions') throw new Error(`no buttons: ${JSON.stringify(message)}`);
    return { value: actions.elements[0]?.value as string, path, message: message as SlackMessage };
  }

  it('delete: the plan first, Confirm runs it once, a second click and a replay do nothing', async () => {
    await slash('apply -n default --name doomed', OPERATOR);
    const { value, message } = await plan('delete doomed -n default');
    expect(message.response_type).toBe('ephemeral');
    expect(textOf(message)).toContain('Confirm');

    // A viewer's click is refused; nothing runs.
    const refusedPath = '/r/refused';
    expect(
      (await post('/slack/interactions', click(CONFIRM_ACTION, value, VIEWER, refusedPath))).status,
    ).toBe(200);
    const [refusal] = await posted(refusedPath);
    expect(textOf(refusal as SlackMessage)).toContain('may not mutate');

    const confirmPath = '/r/confirm';
    const request = click(CONFIRM_ACTION, value, OPERATOR, confirmPath);
    expect((await post('/slack/interactions', request)).status).toBe(200);
    const [decided, result] = await posted(confirmPath, 2);
    expect(decided?.replace_original).toBe(true);
    expect(textOf(decided as SlackMessage)).toContain(`<@${OPERATOR}> confirmed`);
    expect(result?.response_type).toBe('in_channel');
    expect(textOf(result as SlackMessage)).toContain('waypoint default/doomed deleted');

    // The same request again (a replay), another click, and a Cancel after the fact: nothing.
    await post('/slack/interactions', request);
    await post('/slack/interactions', click(CONFIRM_ACTION, value, OPERATOR, confirmPath));
    await post('/slack/interactions', click(CANCEL_ACTION, value, OPERATOR, confirmPath));
    await settle(2500);
    expect(inbox.of(confirmPath)).toHaveLength(2);
  });

  it('Cancel leaves everything as it was', async () => {
    const { value } = await plan('unenroll namespace default');
    await post('/slack/interactions', click(CANCEL_ACTION, value, OPERATOR, '/r/cancel'));
    const [cancelled] = await posted('/r/cancel');
    expect(textOf(cancelled as SlackMessage)).toContain('cancelled');
    const { path } = await slash('bindings -n default', VIEWER);
    const [bindings] = await posted(path);
    expect(textOf(bindings as SlackMessage)).toContain('default/waypoint');
  });

  it('a button older than 30 minutes is refused', async () => {
    const { value } = await plan('unenroll namespace default');
    const stale = JSON.stringify({ ...JSON.parse(value), e: Math.floor(Date.now() / 1000) - 1801 });
    await post('/slack/interactions', click(CONFIRM_ACTION, stale, OPERATOR, '/r/stale'));
    const [refusal] = await posted('/r/stale');
    expect(textOf(refusal as SlackMessage)).toContain('more than 30 minutes old');
  });
});

describe('waypointer slack', () => {
  it('signs a command, sends it to the gateway and prints the answer; --yes confirms', async () => {
    const out: string[] = [];
    const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => out.push(t), env: {} };
    const base = [
      '--url',
      `${gateway.url}/slack/commands`,
      '--secret',
      SECRET,
      '--team',
      TEAM,
      '--channel',
      CHANNEL,
    ];
    const code = await slackCommand([...base, '--user', VIEWER, 'list', '-n', 'default'], io);
    expect(out.join('')).toContain('default/waypoint');
    expect(code).toBe(0);
    expect(out.join('')).toContain('default/waypoint');
    out.length = 0;
    expect(
      await slackCommand([...base, '--user', OPERATOR, 'delete', 'nothere', '-n', 'default'], io),
    ).toBe(0);
    expect(out.join('')).toContain('[Confirm] [Cancel]');
    expect(out.join('')).toContain('run again with --yes');
    out.length = 0;
    expect(
      await slackCommand(
        [...base, '--user', OPERATOR, '--yes', 'delete', 'nothere', '-n', 'default'],
        io,
      ),
    ).toBe(0);
    expect(out.join('')).toContain('waypoint default/nothere not found');
    out.length = 0;
    expect(await slackCommand([...base, '--user', VIEWER, 'apply'], io)).toBe(1);
    expect(out.join('')).toContain('may not mutate');
    out.length = 0;
    expect(
      await slackCommand(
        ['--url', `${gateway.url}/slack/commands`, '--secret', 'wrong', 'list'],
        io,
      ),
    ).toBe(1);
    expect(out.join('')).toContain('401');
  });
});
