/**
 * A configuration document that the functions would refuse at cold start stops `osls package`
 * itself, with the document and the field in its message.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE, ROOT } from './packaged.ts';

/** `osls package` with `config` as the configuration document (none: no parameter): its exit code and output. */
async function packageWith(config?: string): Promise<{ code: number; output: string }> {
  const home = await mkdtemp(join(tmpdir(), 'osls-'));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [
        join(ROOT, 'node_modules/osls/bin/serverless.js'),
        'package',
        '--stage',
        PACKAGE.stage,
        '--region',
        PACKAGE.region,
        ...(config === undefined ? [] : [`--param=config=${config}`]),
        // Elsewhere than .serverless, which the other checks read.
        '--package',
        join(home, 'package'),
      ],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH, HOME: home, SLS_TELEMETRY_DISABLED: '1' },
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
