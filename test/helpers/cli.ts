/** The real CLI bundle (dist/cli.js), run as a user runs it: one set of spawn options for every test file. */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from './analyzer';

export const CLI = path.join(ROOT, 'dist', 'cli.js');

export interface CliRun {
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Runs `node dist/cli.js ARGS`. The buffer is large because a JSON report can be megabytes
 * (spawnSync's default 1 MB once cut a test's output short: ENOBUFS).
 */
export function runCli(args: string[], opts: CliRun = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 60000,
    maxBuffer: 1 << 28,
    cwd: opts.cwd,
    env: opts.env ? { ...process.env, ...opts.env } : undefined,
  });
}

/** How a CLI run ended, for an assertion's message: exit code or signal, and the start of stderr. */
export function ended(r: {
  status: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
  stderr: string;
}): string {
  const how = r.error ? `did not run (${r.error.message})` : r.signal ? `killed by ${r.signal}` : `exit ${r.status}`;
  return `${how}; stderr: ${JSON.stringify((r.stderr ?? '').slice(0, 2000))}`;
}
