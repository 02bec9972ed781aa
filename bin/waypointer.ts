#!/usr/bin/env node
/**
 * The `waypointer` command. Node 24 runs this TypeScript file directly (type stripping).
 */
import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { runCli } from '../shared/commands/cli.ts';

const code = await runCli(process.argv.slice(2), {
  stdout: (chunk) => process.stdout.write(chunk),
  stderr: (chunk) => process.stderr.write(chunk),
  readInput: (path) => (path === '-' ? text(process.stdin) : readFile(path, 'utf8')),
  env: process.env,
});
process.exitCode = code;
