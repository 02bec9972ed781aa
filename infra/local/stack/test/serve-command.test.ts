/**
 * `waypointer serve`: flags are checked before anything starts.
 */
import { describe, expect, it } from 'vitest';
import { SERVE_HELP, serveCommand } from '../src/serve.ts';

async function run(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string; started: boolean }> {
  let stdout = '';
  let stderr = '';
  let started = false;
  const code = await serveCommand(args, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    onStop: () => {
      started = true;
    },
  });
  return { code, stdout, stderr, started };
}

describe('waypointer serve', () => {
  it('prints its help and starts nothing', async () => {
    expect(await run(['--help'])).toEqual({
      code: 0,
      stdout: SERVE_HELP,
      stderr: '',
      started: false,
    });
  });

  it.each([
    [['--port', '1e3'], 'Error: invalid --port "1e3": give 0..65535 (0 picks a free port)\n'],
    [['--port', '65536'], 'Error: invalid --port "65536": give 0..65535 (0 picks a free port)\n'],
    [['--port', ' 80'], 'Error: invalid --port " 80": give 0..65535 (0 picks a free port)\n'],
    [['--context', 'prod'], 'Error: --context goes with --kubeconfig\n'],
    [['--bogus'], `Error: Unknown option '--bogus'\n${SERVE_HELP}`],
  ])('refuses %j with a clear error, starting nothing', async (args, message) => {
    expect(await run(args)).toEqual({ code: 1, stdout: '', stderr: message, started: false });
  });
});
