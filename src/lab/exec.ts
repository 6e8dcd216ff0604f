/**
 * Running programs inside a lab namespace, through `ip netns exec NS argv…`
 * (argv only, no shell). `ip` execs the program in place, so the child's pid
 * and exit status are the program's own.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { constants } from 'node:os';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { toolMissingError } from './runner.js';

export interface ExecOptions {
  /** 'pipe' (default) captures stdout/stderr; 'inherit' shares the caller's terminal. */
  stdio?: 'pipe' | 'inherit';
  /** Written to stdin (with 'pipe'). */
  input?: string;
  /** Kill the program (SIGKILL) after this long; the result then has timedOut and code 124, like timeout(1). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kill the program (SIGKILL) when this aborts; the result then has its signal. */
  signal?: AbortSignal;
}

export interface ExecResult {
  /** The exit code, or 128 + signal number when a signal ended it (as a shell reports it). */
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Captured output beyond this is dropped (the result keeps the first bytes). */
export const MAX_EXEC_OUTPUT_BYTES = 8 * 1024 * 1024;
export const EXIT_TIMED_OUT = 124;
const SIGNAL_EXIT_BASE = 128;

export function netnsArgv(namespace: string, argv: readonly string[]): string[] {
  if (argv.length === 0 || argv[0] === '') throw new SkeinError(ErrorCodes.USAGE, 'no command given to run in the node');
  return ['netns', 'exec', namespace, ...argv];
}

/** Start a program inside the namespace; the caller owns the child. */
export function spawnInNamespace(namespace: string, argv: readonly string[], opts: SpawnOptions = {}): ChildProcess {
  return spawn('ip', netnsArgv(namespace, argv), opts);
}

/** Exit code as a shell would report it. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const number = signal ? constants.signals[signal] : undefined;
  return number !== undefined ? SIGNAL_EXIT_BASE + number : SIGNAL_EXIT_BASE;
}

/** Run a program inside the namespace to completion. */
export function execInNamespace(namespace: string, argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const inherit = opts.stdio === 'inherit';
  const child = spawnInNamespace(namespace, argv, { stdio: inherit ? 'inherit' : 'pipe', env: opts.env ?? process.env, cwd: opts.cwd });
  const out = new BoundedText();
  const err = new BoundedText();
  child.stdout?.on('data', (b: Buffer) => out.add(b));
  child.stderr?.on('data', (b: Buffer) => err.add(b));
  child.stdin?.on('error', () => { /* the program exited without reading stdin */ });
  child.stdin?.end(opts.input ?? '');
  let timedOut = false;
  const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, opts.timeoutMs);
  const abort = () => child.kill('SIGKILL');
  if (opts.signal?.aborted) abort();
  else opts.signal?.addEventListener('abort', abort, { once: true });
  const settle = () => {
    if (timer) clearTimeout(timer);
    opts.signal?.removeEventListener('abort', abort);
  };
  return new Promise((resolve, reject) => {
    child.once('error', (e: NodeJS.ErrnoException) => {
      settle();
      reject(e.code === 'ENOENT' ? toolMissingError('ip') : new SkeinError(ErrorCodes.LAB, `cannot run in ${namespace}: ${e.message}`));
    });
    child.once('close', (code, signal) => {
      settle();
      resolve({ code: timedOut ? EXIT_TIMED_OUT : exitCodeOf(code, signal), signal, stdout: out.text(), stderr: err.text(), timedOut });
    });
  });
}

class BoundedText {
  private chunks: Buffer[] = [];
  private size = 0;

  add(chunk: Buffer): void {
    const room = MAX_EXEC_OUTPUT_BYTES - this.size;
    if (room <= 0) return;
    const kept = chunk.byteLength <= room ? chunk : chunk.subarray(0, room);
    this.chunks.push(kept);
    this.size += kept.byteLength;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
