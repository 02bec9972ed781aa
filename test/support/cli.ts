/**
 * Runs the `waypointer` CLI in-process with captured output, or as a real child process.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../shared/commands/cli.ts';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** In-process: `stdin` is what `-f -` reads. */
export async function cli(argv: readonly string[], stdin = ''): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    readInput: (path) => (path === '-' ? Promise.resolve(stdin) : readFile(path, 'utf8')),
    env: {},
  });
  return { code, stdout, stderr };
}

export const BIN = fileURLToPath(new URL('../../bin/waypointer.ts', import.meta.url));

/** As a child process of the same Node, the way a user runs it. */
export function spawnCli(argv: readonly string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...argv], (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
    });
  });
}
