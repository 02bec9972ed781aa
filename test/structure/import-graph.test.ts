/**
 * What ships to Lambda, and what the `waypointer` command loads, read from the real import graph:
 * esbuild resolves every function's handler as serverless-esbuild does, and a module hook records
 * what Node loads for a command. The embedded Kubernetes API server, the embedded SQS endpoint and
 * the local stack (infra/local) never reach the product; the kube-api and SQS units import nothing
 * of the repository but their own files and the apimachinery unit.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const handlers = readdirSync(new URL('../../functions', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => `functions/${entry.name}/handler.ts`);

/** The repository files an entry point reaches, and the packages it imports. */
async function graph(entry: string): Promise<{ files: string[]; packages: string[] }> {
  const { metafile } = (await build({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  })) as { metafile: Metafile };
  const packages = new Set<string>();
  for (const input of Object.values(metafile.inputs))
    for (const imported of input.imports) if (imported.external) packages.add(imported.path);
  return { files: Object.keys(metafile.inputs).sort(), packages: [...packages].sort() };
}

const LOCAL_UNITS = /^@waypointer\/(kube-api|sqs-endpoint|events-endpoint|local-stack)(\/|$)/;

describe('what ships to Lambda', () => {
  it('finds every function', () => {
    expect(handlers).toEqual(expect.arrayContaining(['functions/http-api/handler.ts']));
    expect(handlers.length).toBeGreaterThanOrEqual(4);
  });

  it.each(handlers)('%s reaches no embedded test infrastructure', async (handler) => {
    const { files, packages } = await graph(handler);
    expect(files).toContain(handler);
    expect(files.filter((file) => file.startsWith('infra/'))).toEqual([]);
    expect(packages.filter((name) => LOCAL_UNITS.test(name))).toEqual([]);
  });
});

describe('the Slack ingress stays light', () => {
  it('functions/chatops/handler.ts loads neither the Kubernetes client nor the EKS client', async () => {
    const { files, packages } = await graph('functions/chatops/handler.ts');
    expect(files).toContain('functions/chatops/app.ts');
    expect(packages).toContain('@aws-sdk/client-sqs');
    expect(
      packages.filter((name) => /^@kubernetes\/client-node|^@aws-sdk\/client-eks/.test(name)),
    ).toEqual([]);
    expect(files.filter((file) => file.startsWith('shared/adapters/kubernetes/'))).toEqual([]);
  });

  it('its worker does: it runs the commands', async () => {
    const { packages } = await graph('functions/chatops/worker-handler.ts');
    expect(packages).toContain('@kubernetes/client-node');
  });
});

describe('units stay apart', () => {
  it.each([
    [
      'infra/local/kube-api/src/index.ts',
      'infra/local/kube-api/src/',
      ['@waypointer/apimachinery'],
    ],
    ['infra/local/sqs/src/index.ts', 'infra/local/sqs/src/', []],
    ['infra/local/events/src/index.ts', 'infra/local/events/src/', []],
    [
      'infra/local/kube-api/src/testing.ts',
      'infra/local/kube-api/src/',
      ['@waypointer/apimachinery'],
    ],
  ])('%s imports only its own files and %j', async (entry, own, allowed) => {
    const { files, packages } = await graph(entry);
    expect(files.filter((file) => !file.startsWith(own))).toEqual([]);
    const units = packages.filter((name) => name.startsWith('@waypointer/'));
    for (const name of units) expect(allowed).toContain(name.split('/').slice(0, 2).join('/'));
  });
});

/** The repository files Node loads for `waypointer <args>`, recorded by a module resolve hook. */
function loaded(args: readonly string[]): Promise<string[]> {
  const hook = `
    import { registerHooks } from 'node:module';
    registerHooks({ resolve(specifier, context, next) {
      const result = next(specifier, context);
      if (result.url.startsWith('file://') && !result.url.includes('/node_modules/'))
        process.stderr.write('loaded ' + result.url + '\\n');
      return result;
    } });`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        '--import',
        `data:text/javascript,${encodeURIComponent(hook)}`,
        'bin/waypointer.ts',
        ...args,
      ],
      { cwd: root, timeout: 60_000 },
      (error, _stdout, stderr) => {
        if (error?.killed) return reject(error);
        resolve(
          stderr
            .split('\n')
            .filter((line) => line.startsWith('loaded '))
            .map((line) => fileURLToPath(line.slice('loaded '.length)).slice(root.length)),
        );
      },
    );
  });
}

describe('the waypointer command', () => {
  it.each([['generate'], ['help'], ['eks-token', '--help'], ['slack', '--help']])(
    '%s loads no embedded test infrastructure',
    async (...args) => {
      const files = await loaded(args);
      expect(files).toContain('shared/commands/cli.ts');
      expect(files.filter((file) => file.startsWith('infra/'))).toEqual([]);
    },
  );

  it('serve --help loads the local stack, which is where it lives', async () => {
    const files = await loaded(['serve', '--help']);
    expect(files).toContain('infra/local/stack/src/serve.ts');
  });
});
