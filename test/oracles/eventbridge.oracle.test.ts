/**
 * Differential test: the embedded EventBridge endpoint as the `aws` CLI sees it (botocore's own
 * serializer and error parser for the AWS JSON 1.1 protocol) against what the service model and
 * the SDK tests expect. Needs the `aws` CLI (v1 or v2) on PATH; runs with `npm run test:oracles`,
 * never in `npm test`.
 */
import { execFile } from 'node:child_process';
import { type EventBridgeEvent, EventsServer } from '@waypointer/events-endpoint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from './tools.ts';

const received: EventBridgeEvent[] = [];
const server = new EventsServer({
  rules: [
    {
      name: 'audit',
      pattern: { source: ['com.example.k8s-audit'], 'detail-type': ['Kubernetes Audit Event'] },
      target: (event) => {
        received.push(event);
      },
    },
  ],
});
let endpoint: string;

beforeAll(async () => {
  requireTool('aws', 'apt-get install awscli (or pip install awscli)');
  endpoint = await server.start();
});
afterAll(() => server.stop());

/** Runs `aws events <args>` against the endpoint; its exit code, parsed stdout and stderr. */
function aws(...args: string[]): Promise<{ code: number; out: any; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'aws',
      ['events', ...args, '--endpoint-url', endpoint, '--region', 'us-east-1', '--output', 'json'],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'x',
          AWS_SECRET_ACCESS_KEY: 'x',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          AWS_MAX_ATTEMPTS: '1',
          AWS_PAGER: '',
        },
        timeout: 60_000,
      },
      (error, stdout, stderr) =>
        resolve({
          code: error === null ? 0 : Number((error as { code?: number }).code ?? 1),
          out: stdout.trim() === '' ? undefined : JSON.parse(stdout),
          stderr,
        }),
    );
  });
}

const AUDIT = {
  Source: 'com.example.k8s-audit',
  DetailType: 'Kubernetes Audit Event',
  Detail: JSON.stringify({ cluster: 'demo' }),
};

describe('aws events put-events', () => {
  it('puts events, one result entry each, and the rule delivers the envelope', async () => {
    const { code, out } = await aws(
      'put-events',
      '--entries',
      JSON.stringify([
        {
          ...AUDIT,
          Time: '2026-11-24T10:16:27Z',
          Resources: ['arn:aws:eks:eu-west-1:1:cluster/demo'],
        },
        { Source: 's', DetailType: 'd' },
        { Source: 's', DetailType: 'd', Detail: '[1]' },
      ]),
    );
    expect(code).toBe(0);
    expect(out).toEqual({
      FailedEntryCount: 2,
      Entries: [
        { EventId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
        {
          ErrorCode: 'InvalidArgument',
          ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.',
        },
        { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      ],
    });
    await server.service.settled();
    expect(received.at(-1)).toMatchObject({
      id: out.Entries[0].EventId,
      time: '2026-11-24T10:16:27Z',
      resources: ['arn:aws:eks:eu-west-1:1:cluster/demo'],
      detail: { cluster: 'demo' },
    });
  });

  it('names a request error as the service does', async () => {
    const { code, stderr } = await aws(
      'put-events',
      '--entries',
      JSON.stringify(Array.from({ length: 11 }, () => AUDIT)),
    );
    expect(code).not.toBe(0);
    expect(stderr).toContain(
      'An error occurred (ValidationException) when calling the PutEvents operation',
    );
    expect(stderr).toContain('Member must have length less than or equal to 10');
  });

  it('lists and describes the rules', async () => {
    const listed = await aws('list-rules');
    expect(listed.out.Rules.map((r: { Name: string }) => r.Name)).toEqual(['audit']);
    const missing = await aws('describe-rule', '--name', 'nope');
    expect(missing.stderr).toContain('(ResourceNotFoundException)');
  });
});
