/**
 * Running the `skein` CLI from its TypeScript sources as a child process, as
 * an operator would (no prior build needed): `node --import tsx src/cli/run.ts …`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from './paths.js';

const CLI_ENTRY = fileURLToPath(new URL('../../src/cli/run.ts', import.meta.url));
/** Generous: the CLI starts tsx (~0.5 s) and may build a lab. */
export const CLI_TIMEOUT_MS = 60_000;

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  /** Run through this wrapper argv first (e.g. setpriv to drop privileges). */
  wrapper?: string[];
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function spawnSkein(args: readonly string[], opts: CliOptions = {}): ChildProcess {
  const argv = [process.execPath, '--import', 'tsx', CLI_ENTRY, ...args];
  const [file, ...rest] = [...(opts.wrapper ?? []), ...argv];
  return spawn(file as string, rest, { cwd: REPO_ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Collect a spawned CLI's output until it exits (killed after CLI_TIMEOUT_MS). */
export function finished(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MS);
  return new Promise((resolve) => {
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export function runSkein(args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  return finished(spawnSkein(args, opts));
}
