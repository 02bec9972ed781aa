/** The differential suites need real implementations installed; say which when one is missing. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

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

/**
 * Throws a clear error naming the Debian package when Go sources the oracles build from (GOPATH
 * mode) are not installed under /usr/share/gocode.
 */
export function requireGoSources(importPath: string, aptPackage: string): void {
  requireTool('go', `apt-get install golang-go ${aptPackage}`);
  if (!existsSync(`/usr/share/gocode/src/${importPath}`)) {
    throw new Error(
      `Go package ${importPath} is not installed; the differential suites need it: apt-get install ${aptPackage}`,
    );
  }
}
