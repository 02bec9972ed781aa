/** The differential suites need real implementations installed; say which when one is missing. */
import { execFileSync } from 'node:child_process';

/** Throws a clear error naming the install command when `tool` is not on PATH. */
export function requireTool(tool: string, install: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
  } catch {
    throw new Error(`${tool} is not installed; the differential suites need it: ${install}`);
  }
}

/**
 * The environment for `go run` on the Go oracles: GOPATH mode over the Go sources Debian
 * installs under /usr/share/gocode (no module download).
 */
export function goOracleEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GO111MODULE: 'off',
    GOPATH: '/usr/share/gocode',
    GOCACHE: process.env.GOCACHE ?? '/tmp/waypointer-gocache',
  };
}
