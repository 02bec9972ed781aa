/**
 * The Slack signing secret from SSM Parameter Store, through Powertools' SSMProvider and the real
 * `@aws-sdk/client-ssm` against an SSM endpoint on loopback (a `node:http` server answering
 * `AmazonSSM.GetParameter` in the AWS JSON 1.1 protocol), and where the configuration says it is.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signingSecretOf } from '../../shared/adapters/slack/signing-secret.ts';
import { loadChatOpsConfig } from '../../shared/config.ts';

const asked: { name: string; decrypt: boolean }[] = [];
let server: Server;
let client: SSMClient;

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      const input = JSON.parse(body) as { Name: string; WithDecryption?: boolean };
      asked.push({ name: input.Name, decrypt: input.WithDecryption === true });
      response.setHeader('content-type', 'application/x-amz-json-1.1');
      if (input.Name === '/waypointer/prod/slack-signing-secret') {
        response.end(
          JSON.stringify({
            Parameter: {
              Name: input.Name,
              Type: 'SecureString',
              Value: '8f742231b10e8888',
              Version: 1,
            },
          }),
        );
        return;
      }
      response.statusCode = 400;
      response.end(JSON.stringify({ __type: 'ParameterNotFound', message: '' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new SSMClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client.destroy();
  await new Promise((resolve) => server.close(resolve));
});

describe('the Slack signing secret', () => {
  it('is read from its SSM SecureString, decrypted', async () => {
    const provider = new SSMProvider({ awsSdkV3Client: client });
    const secret = await signingSecretOf(
      { parameter: '/waypointer/prod/slack-signing-secret' },
      provider,
    );
    expect(secret).toBe('8f742231b10e8888');
    expect(asked.at(-1)).toEqual({ name: '/waypointer/prod/slack-signing-secret', decrypt: true });
  });

  it('fails with the parameter it could not read, and why', async () => {
    const provider = new SSMProvider({ awsSdkV3Client: client });
    await expect(
      signingSecretOf({ parameter: '/waypointer/dev/missing' }, provider),
    ).rejects.toThrow(
      /^cannot read the Slack signing secret from SSM parameter \/waypointer\/dev\/missing: /,
    );
  });

  it('is taken as is when given as a value', async () => {
    expect(await signingSecretOf({ value: 'local-secret' })).toBe('local-secret');
  });

  it('comes from exactly one of SLACK_SIGNING_SECRET and SLACK_SIGNING_SECRET_PARAMETER', () => {
    const queue = { WAYPOINTER_CHATOPS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/q.fifo' };
    expect(loadChatOpsConfig({ ...queue, SLACK_SIGNING_SECRET: 's' }).signingSecret).toEqual({
      value: 's',
    });
    expect(
      loadChatOpsConfig({ ...queue, SLACK_SIGNING_SECRET_PARAMETER: '/waypointer/prod/x' })
        .signingSecret,
    ).toEqual({ parameter: '/waypointer/prod/x' });
    for (const env of [
      queue,
      { ...queue, SLACK_SIGNING_SECRET: 's', SLACK_SIGNING_SECRET_PARAMETER: '/a' },
    ])
      expect(() => loadChatOpsConfig(env)).toThrow(/the Slack signing secret is required/);
    expect(() =>
      loadChatOpsConfig({ ...queue, SLACK_SIGNING_SECRET_PARAMETER: 'no-slash' }),
    ).toThrow(/an SSM parameter name/);
  });
});
