/**
 * What the stack's foreground commands (`serve`, `cluster`) share: their I/O, argument parsing
 * with `--help`, and the `--port` rule.
 */
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';

/** The I/O of a command that runs until stopped. */
export interface ForegroundIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Called once the command runs, with what stops it. */
  onStop(stop: () => Promise<void>): void;
}

/** A string flag's value, when given as a string. */
export type FlagText = (key: string) => string | undefined;

/**
 * Parses `args` strictly with `options` plus `-h/--help`. Returns the values and a reader of
 * string flags, or the exit code when the command ends here: 0 after printing `help`, 1 after an
 * `Error:` line and the help for an unknown or malformed flag.
 */
export function commandLine(
  args: readonly string[],
  options: ParseArgsOptionsConfig,
  help: string,
  io: Pick<ForegroundIo, 'stdout' | 'stderr'>,
): { values: Record<string, string | boolean | string[] | undefined>; text: FlagText } | number {
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (error) {
    io.stderr(
      `Error: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n${help}`,
    );
    return 1;
  }
  if (values.help === true) {
    io.stdout(help);
    return 0;
  }
  const text: FlagText = (key) => {
    const value = values[key];
    return typeof value === 'string' ? value : undefined;
  };
  return { values: values as Record<string, string | boolean | string[] | undefined>, text };
}

const PORT = /^\d{1,5}$/;

/** `--port`: a whole number 0..65535 (0 picks a free port); the error message otherwise. */
export function portOption(value: string): number | string {
  return PORT.test(value) && Number(value) <= 65535
    ? Number(value)
    : `invalid --port "${value}": give 0..65535 (0 picks a free port)`;
}
