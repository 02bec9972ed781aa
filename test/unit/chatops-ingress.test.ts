/**
 * The Slack ingress on its own, with a queue and a responder that record (or refuse): where a
 * command runs (its --cluster, the channel's default, the deployment's), bad input of every class
 * answered with guidance, and failures logged, counted and told to the user.
 */
import { readFileSync } from 'node:fs';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { lambdaContext } from '@waypointer/local-stack';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ChatOpsIngressDeps, createChatOpsIngress } from '../../functions/chatops/app.ts';
import type { ChatOpsJob } from '../../functions/chatops/slack-payloads.ts';
import { signSlackRequest } from '../../shared/adapters/slack/verify.ts';
import { DENY_ALL } from '../../shared/app/authorization.ts';
import { loadChatOpsConfig } from '../../shared/config.ts';

const SECRET = 's3cret';
const NOW = 1_800_000_000;

beforeAll(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

function ingress(overrides: Partial<ChatOpsIngressDeps> = {}) {
  const jobs: ChatOpsJob[] = [];
  const posts: unknown[] = [];
  const handler = createChatOpsIngress({
    signingSecret: SECRET,
    slack: { channels: { CPROD: { cluster: 'prod', namespace: 'team-a' } } },
    clusters: ['prod', 'staging'],
    policy: DENY_ALL,
    queue: { send: async (job) => void jobs.push(job) },
    responder: { post: async (_url, message) => void posts.push(message) },
    logger: new Logger({ serviceName: 'waypointer', logLevel: 'CRITICAL' }),
    metrics: new Metrics({ namespace: 'waypointer', serviceName: 'waypointer' }),
    now: () => NOW * 1000,
    ...overrides,
  });
  return { handler, jobs, posts };
}

function event(path: string, body: string, method = 'POST'): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(NOW),
      'x-slack-signature': signSlackRequest(SECRET, NOW, body),
    },
    requestContext: { http: { method, path } } as APIGatewayProxyEventV2['requestContext'],
    // API Gateway base64-encodes form bodies.
    body: Buffer.from(body).toString('base64'),
    isBase64Encoded: true,
  };
}

const slash = (text: string, channel = 'CPROD', extra: Record<string, string> = {}) =>
  new URLSearchParams({
    command: '/waypoint',
    text,
    team_id: 'T1',
    channel_id: channel,
    user_id: 'U1',
    response_url: 'https://hooks.slack.com/commands/1',
    trigger_id: '1.2.3',
    ...extra,
  }).toString();

async function call(
  h: ReturnType<typeof ingress>,
  e: APIGatewayProxyEventV2,
): Promise<{ status: number; body: string }> {
  const result = (await h.handler(
    e,
    lambdaContext('chatops'),
  )) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode as number, body: result.body ?? '' };
}

describe('where a command runs', () => {
  it.each([
    [
      'the channel default, with its namespace',
      'list',
      'CPROD',
      { cluster: 'prod', namespace: 'team-a' },
    ],
    [
      '--cluster, without the channel namespace',
      'list --cluster staging',
      'CPROD',
      { cluster: 'staging' },
    ],
  ])('%s', async (_, text, channel, where) => {
    const h = ingress();
    const { status, body } = await call(h, event('/slack/commands', slash(text, channel)));
    expect(status).toBe(200);
    expect(JSON.parse(body).text).toContain(`on *${where.cluster}*`);
    expect(h.jobs).toHaveLength(1);
    expect(h.jobs[0]).toMatchObject(where);
    expect(h.jobs[0]?.namespace).toBe((where as { namespace?: string }).namespace);
  });

  it('a channel without a default, in a deployment of two clusters: name one', async () => {
    const { body } = await call(ingress(), event('/slack/commands', slash('list', 'COTHER')));
    expect(body).toContain(
      'name the cluster with --cluster: this deployment manages prod, staging',
    );
  });

  it('the only cluster, or the default one, when nothing else says', async () => {
    const one = ingress({ clusters: ['solo'], slack: { channels: {} } });
    await call(one, event('/slack/commands', slash('list', 'COTHER')));
    expect(one.jobs[0]?.cluster).toBe('solo');
    const fallback = ingress({ slack: { defaultCluster: 'staging', channels: {} } });
    await call(fallback, event('/slack/commands', slash('list', 'COTHER')));
    expect(fallback.jobs[0]?.cluster).toBe('staging');
  });

  it('without a policy, a mutation is refused and says why', async () => {
    const h = ingress();
    const { body } = await call(h, event('/slack/commands', slash('apply')));
    expect(body).toContain('no authorization policy is configured');
    expect(h.jobs).toEqual([]);
  });
});

describe('bad input, answered with guidance', () => {
  it.each([
    [
      'a form that is no slash command',
      slash('list', 'CPROD', { response_url: 'not a url' }),
      400,
      'response_url',
    ],
    ['a command over 2,000 characters', slash('x'.repeat(2001)), 400, 'too long'],
  ])('%s: %d', async (_, body, status, words) => {
    const answer = await call(ingress(), event('/slack/commands', body));
    expect(answer.status).toBe(status);
    expect(answer.body).toContain(words);
  });

  it('a GET, or another path: 404', async () => {
    expect((await call(ingress(), event('/slack/commands', slash('list'), 'GET'))).status).toBe(
      404,
    );
    expect((await call(ingress(), event('/slack/events', slash('list')))).status).toBe(404);
  });

  it('a queue that refuses: the user is told nothing changed', async () => {
    const h = ingress({ queue: { send: () => Promise.reject(new Error('throttled')) } });
    const { status, body } = await call(h, event('/slack/commands', slash('list')));
    expect(status).toBe(200);
    expect(body).toContain('could not queue the command');
  });
});

describe('button clicks', () => {
  const clickBody = (action: string, value: string) =>
    new URLSearchParams({
      payload: JSON.stringify({
        type: 'block_actions',
        user: { id: 'U1' },
        team: { id: 'T1' },
        channel: { id: 'CPROD' },
        response_url: 'https://hooks.slack.com/actions/1',
        actions: [{ action_id: action, value }],
      }),
    }).toString();
  const pending = JSON.stringify({ i: 'abc', c: 'prod', t: 'delete w', u: 'U1', e: NOW });

  it('a payload of no known shape: 400', async () => {
    expect((await call(ingress(), event('/slack/interactions', 'payload=%7B'))).status).toBe(400);
    expect((await call(ingress(), event('/slack/interactions', 'x=1'))).status).toBe(400);
  });

  it.each([
    ['an unknown action', clickBody('other', pending), 'unknown action other'],
    [
      'a value that is not JSON',
      clickBody('waypointer_confirm', '{'),
      'no command waypointer can read',
    ],
    [
      'a value of another shape',
      clickBody('waypointer_confirm', '{"i":1}'),
      'no command waypointer can read',
    ],
    [
      'a confirmation the policy refuses',
      clickBody('waypointer_confirm', pending),
      'no authorization policy',
    ],
  ])('%s: refused through the response_url', async (_, body, words) => {
    const h = ingress();
    expect((await call(h, event('/slack/interactions', body))).status).toBe(200);
    expect(JSON.stringify(h.posts)).toContain(words);
    expect(h.jobs).toEqual([]);
  });

  it('a Cancel needs no rights: it is queued as the decision', async () => {
    const h = ingress();
    await call(h, event('/slack/interactions', clickBody('waypointer_cancel', pending)));
    expect(h.jobs).toEqual([
      expect.objectContaining({ kind: 'decision', decision: 'cancel', id: 'abc' }),
    ]);
  });

  it('a refusal Slack does not take, and a queue that refuses, are logged and answered 200', async () => {
    const h = ingress({
      responder: { post: () => Promise.reject(new Error('gone')) },
      queue: { send: () => Promise.reject(new Error('throttled')) },
    });
    expect(
      (await call(h, event('/slack/interactions', clickBody('waypointer_cancel', pending)))).status,
    ).toBe(200);
  });
});

describe('configuration', () => {
  it('reads the secret, the queue and the channel defaults', () => {
    expect(
      loadChatOpsConfig({
        SLACK_SIGNING_SECRET: 'x',
        WAYPOINTER_CHATOPS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/q.fifo',
        WAYPOINTER_SLACK: '{"channels":{"C1":{"cluster":"prod"}}}',
      }).slack,
    ).toEqual({ channels: { C1: { cluster: 'prod' } } });
  });

  it.each([
    [{}, /SLACK_SIGNING_SECRET/],
    [
      { SLACK_SIGNING_SECRET: 'x', WAYPOINTER_CHATOPS_QUEUE_URL: 'nope' },
      /WAYPOINTER_CHATOPS_QUEUE_URL/,
    ],
    [
      {
        SLACK_SIGNING_SECRET: 'x',
        WAYPOINTER_CHATOPS_QUEUE_URL: 'https://q',
        WAYPOINTER_SLACK: '{"channel":{}}',
      },
      /WAYPOINTER_SLACK/,
    ],
    [
      {
        SLACK_SIGNING_SECRET: 'x',
        WAYPOINTER_CHATOPS_QUEUE_URL: 'https://q',
        WAYPOINTER_SLACK: '{',
      },
      /not valid JSON/,
    ],
  ])('refuses %j', (env, message) => {
    expect(() => loadChatOpsConfig(env)).toThrow(message);
  });
});

describe('the sample event', () => {
  it("events/slack-command.json, signed with Slack's example secret, is queued as list -A", async () => {
    const sample = JSON.parse(
      readFileSync(new URL('../../events/slack-command.json', import.meta.url), 'utf8'),
    ) as APIGatewayProxyEventV2;
    const h = ingress({
      signingSecret: '8f742231b10e8888abcd99yyyzzz85a5',
      clusters: ['prod'],
      now: () => 1531420618 * 1000,
    });
    const { status, body } = await call(h, sample);
    expect(status).toBe(200);
    expect(JSON.parse(body).response_type).toBe('ephemeral');
    expect(h.jobs).toEqual([
      expect.objectContaining({
        kind: 'command',
        text: 'list -A',
        cluster: 'prod',
        user: 'U2CERLKJA',
      }),
    ]);
  });
});
