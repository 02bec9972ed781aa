#!/usr/bin/env node
/**
 * The `waypointer` command. Node 24 runs this TypeScript file directly (type stripping).
 * The composition root: shared/commands runs the commands; the local stack
 * (`@waypointer/local-stack`, infra/local/stack) is loaded only for `serve`, `cluster`, `invoke` and
 * `demo`.
 */
import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { runCli } from '../shared/commands/cli.ts';

const [command, ...args] = process.argv.slice(2);
const io = {
  stdout: (chunk: string) => process.stdout.write(chunk),
  stderr: (chunk: string) => process.stderr.write(chunk),
};

if (command === 'cluster' || command === 'serve') {
  const stack = await import('@waypointer/local-stack');
  const foreground = command === 'cluster' ? stack.clusterCommand : stack.serveCommand;
  try {
    process.exitCode = await foreground(args, {
      ...io,
      onStop: (stop) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) {
          process.once(signal, () => {
            stop().then(
              () => process.exit(0),
              () => process.exit(1),
            );
          });
        }
      },
    });
  } catch (error) {
    // A start that failed half-way (a missing seed, a busy port, an unreadable kubeconfig) may
    // leave servers listening: say what failed and leave.
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`Error: cannot start waypointer ${command}: ${message.split('\n')[0]}\n`);
    process.exit(1);
  }
} else if (command === 'invoke') {
  const { invokeCommand } = await import('@waypointer/local-stack');
  process.exitCode = await invokeCommand(args, io);
} else if (command === 'demo') {
  const { demoCommand } = await import('@waypointer/local-stack');
  process.exitCode = await demoCommand(io);
} else {
  process.exitCode = await runCli(process.argv.slice(2), {
    ...io,
    readInput: (path) => (path === '-' ? text(process.stdin) : readFile(path, 'utf8')),
    env: process.env,
  });
}
