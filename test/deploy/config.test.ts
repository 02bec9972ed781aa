/**
 * Where the configuration document comes from: a file or an SSM parameter (read by osls over the
 * SSM protocol, here from an endpoint on loopback). One that the functions would refuse at cold
 * start stops `osls package` itself, with the document and the field in its message.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE, ROOT } from './packaged.ts';

/** osls with `args`, its configuration document `config` (none: no parameter): exit code and output. */
async function osls(
  args: readonly string[],
  config?: string,
  env: Record<string, string> = {},
): Promise<{ code: number; output: string }> {
  const home = await mkdtemp(join(tmpdir(), 'osls-'));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [
        join(ROOT, 'node_modules/osls/bin/serverless.js'),
        ...args,
        '--stage',
        PACKAGE.stage,
        '--region',
        PACKAGE.region,
        ...(config === undefined ? [] : [`--param=config=${config}`]),
      ],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH, HOME: home, SLS_TELEMETRY_DISABLED: '1', ...env },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        resolve({
          code: error === null ? 0 : Number(error.code ?? 1),
          output: `${stdout}${stderr}`,
        });
      },
    );
  });
}

/** `osls package` (elsewhere than .serverless, which the other checks read). */
const packageWith = async (config?: string): Promise<{ code: number; output: string }> =>
  osls(['package', '--package', join(await mkdtemp(join(tmpdir(), 'package-')), 'out')], config);

describe('the configuration document from SSM Parameter Store', () => {
  it('is read as one multi-line SecureString and deployed as single-line values', async () => {
    const document = readFileSync(join(ROOT, PACKAGE.params.config), 'utf8');
    const asked: unknown[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      request.on('end', () => {
        asked.push([request.headers['x-amz-target'], JSON.parse(body)]);
        response.setHeader('content-type', 'application/x-amz-json-1.1');
        const { Name } = JSON.parse(body) as { Name: string };
        response.end(
          JSON.stringify({
            Parameter: { Name, Type: 'SecureString', Value: document, Version: 1 },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { code, output } = await osls(
        ['print', '--path', 'provider.environment.WAYPOINTER_CLUSTERS'],
        'ssm:/waypointer/ci/config',
        {
          AWS_ENDPOINT_URL_SSM: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
        },
      );
      expect(code, output).toBe(0);
      expect(asked).toEqual([
        ['AmazonSSM.GetParameter', { Name: '/waypointer/ci/config', WithDecryption: true }],
      ]);
      const clusters = (JSON.parse(document) as { clusters: unknown }).clusters;
      expect(output.replace(/\s*\n\s*/g, '')).toContain(JSON.stringify(clusters));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('osls package with a bad configuration document', () => {
  it('stops, naming the document and the field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'config-'));
    const file = join(dir, 'prod.json');
    await writeFile(
      file,
      `{
  "clusters": {
    "prod": { "eks": { "name": "prod", "region": "eu-west-1" } }
  },
  "policy": {
    "version": 1,
    "rules": [{ "subjects": ["*"], "role": "superuser", "clusters": ["*"], "namespaces": ["*"] }]
  }
}
`,
    );
    const { code, output } = await packageWith(file);
    expect(code).not.toBe(0);
    expect(output).toContain(
      `invalid waypointer configuration: ${file}: policy: invalid authorization policy: rules.0.role:`,
    );
  });

  it('stops when there is none, saying how to give it', async () => {
    const { code, output } = await packageWith();
    expect(code).not.toBe(0);
    expect(output).toContain('waypointer needs its configuration document: --param="config=');
  });

  it('stops when the file does not exist', async () => {
    const { code, output } = await packageWith('config/missing.json');
    expect(code).not.toBe(0);
    expect(output).toContain('cannot read the configuration document config/missing.json');
  });
});
