/**
 * One way out of every `skein` command. A command that creates something
 * (a lab, daemons, a file) runs that work under the guard together with its
 * teardown, and the teardown then runs exactly once, whichever way the
 * process ends:
 *
 *   the work ends or fails     → its teardown runs → the command's own exit code
 *   SIGINT, SIGTERM, SIGHUP    → every guarded work is aborted and gets UNWIND_TIMEOUT_MS
 *                                to unwind, then the teardowns run, newest first, each
 *                                bounded by TEARDOWN_TIMEOUT_MS → exit 128 + signal number
 *   output to a closed pipe    → the same, quietly → exit 141 (EXIT_CLOSED_PIPE)
 *   uncaught exception or
 *   unhandled rejection        → one line on stderr, the same → exit 70 (EXIT_INTERNAL_ERROR)
 *
 * The closed-pipe handlers are installed for every command (watchOutput);
 * the signal and crash handlers only once something is guarded, so a
 * command that creates nothing keeps Node's defaults (and the daemon, `up`,
 * keeps its own signal handling). Each handler is installed once per process.
 *
 * The process, its output streams and the clock are injected: the unit test
 * drives every path with an emitter and a manual clock.
 */
import { constants } from 'node:os';
import { RealClock, type Clock } from '../util/clock.js';

/** As a shell reports a coreutils tool that SIGPIPE ended: 128 + 13. */
export const EXIT_CLOSED_PIPE = 141;
/** EX_SOFTWARE from sysexits.h, as bin/skein.js reports an internal error. */
export const EXIT_INTERNAL_ERROR = 70;
const SIGNAL_EXIT_BASE = 128;
export const GUARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type GuardedSignal = (typeof GUARDED_SIGNALS)[number];
/** How long an aborted work gets to unwind through its own `finally` before its teardown runs anyway. */
export const UNWIND_TIMEOUT_MS = 10_000;
/** Bound on each teardown: a lab with daemons takes a few seconds (teardown.ts PROCESS_GRACE_MS, then `ip netns del`). */
export const TEARDOWN_TIMEOUT_MS = 20_000;
/** Output errors that mean the reader is gone (EIO: the terminal was closed). */
const READER_GONE = new Set(['EPIPE', 'EIO']);

export type ExitCause =
  | { kind: 'signal'; signal: GuardedSignal }
  | { kind: 'closed-pipe' }
  | { kind: 'crash'; error: unknown };

export interface OutputStream {
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** The part of `process` the guard uses. */
export interface GuardedProcess {
  on(event: string, listener: (value: unknown) => void): unknown;
  exit(code: number): void;
  /** Set when an exit begins, so that a process whose work all ends early still exits with the right code. */
  exitCode?: number | string | undefined;
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
}

export interface ExitGuardOptions {
  process: GuardedProcess;
  clock?: Clock;
  /** One line for the operator (stderr). */
  report?: (line: string) => void;
  /** The one line an uncaught error is reported as. */
  describeCrash?: (error: unknown) => string;
  unwindTimeoutMs?: number;
  teardownTimeoutMs?: number;
}

export interface GuardedWork {
  /** What is torn down, for messages: "lab 'demo'". */
  label: string;
  /** Removes what the work created; must be safe to run when the work already cleaned up. */
  teardown: () => Promise<unknown> | void;
  /** What the operator can run if the teardown does not finish: "skein lab down --name demo". */
  leftoverHint?: string;
  /** Keep what the work made when it succeeds (`lab up`: the lab is the result), unless an exit began meanwhile. */
  keepOnSuccess?: boolean;
}

interface Entry {
  readonly work: GuardedWork;
  readonly controller: AbortController;
  settled: Promise<void>;
  tearDown: () => Promise<void>;
}

export function exitCodeFor(cause: ExitCause): number {
  if (cause.kind === 'closed-pipe') return EXIT_CLOSED_PIPE;
  if (cause.kind === 'crash') return EXIT_INTERNAL_ERROR;
  return SIGNAL_EXIT_BASE + constants.signals[cause.signal];
}

const noop = (): void => {};

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class ExitGuard {
  private readonly entries: Entry[] = [];
  private readonly clock: Clock;
  private readonly report: (line: string) => void;
  private readonly describeCrash: (error: unknown) => string;
  private readonly unwindTimeoutMs: number;
  private readonly teardownTimeoutMs: number;
  private outputWatched = false;
  private handlersInstalled = false;
  private mainSettled: Promise<void> | undefined;
  private exiting: Promise<number> | undefined;
  private exitCause: ExitCause | undefined;

  constructor(private readonly opts: ExitGuardOptions) {
    this.clock = opts.clock ?? new RealClock();
    this.report = opts.report ?? noop;
    this.describeCrash = opts.describeCrash ?? messageOf;
    this.unwindTimeoutMs = opts.unwindTimeoutMs ?? UNWIND_TIMEOUT_MS;
    this.teardownTimeoutMs = opts.teardownTimeoutMs ?? TEARDOWN_TIMEOUT_MS;
  }

  /** Why the process has begun to exit (a signal, a closed pipe, a crash); undefined while it has not. */
  get cause(): ExitCause | undefined {
    return this.exitCause;
  }

  /** How many works are guarded right now. */
  get guarded(): number {
    return this.entries.length;
  }

  /**
   * Run the whole command. Once an exit has begun, the guard waits (bounded)
   * for the command to print its last lines, and its exit code wins.
   */
  async main(command: () => Promise<number>): Promise<number> {
    this.watchOutput();
    const running = command();
    this.mainSettled = running.then(noop, noop);
    const code = await running;
    return this.exiting ?? code;
  }

  /** A closed stdout or stderr ends the process quietly, for every command. */
  watchOutput(): void {
    if (this.outputWatched) return;
    this.outputWatched = true;
    const onError = (err: Error) => {
      const code = (err as NodeJS.ErrnoException).code;
      this.begin(code !== undefined && READER_GONE.has(code) ? { kind: 'closed-pipe' } : { kind: 'crash', error: err });
    };
    this.opts.process.stdout.on('error', onError);
    this.opts.process.stderr.on('error', onError);
  }

  /**
   * Run `work` with a signal that aborts when the process must exit; its
   * teardown runs exactly once, on every way out (see the file comment).
   */
  async run<T>(work: GuardedWork, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
    this.installHandlers();
    const controller = new AbortController();
    let torn: Promise<void> | undefined;
    const entry: Entry = {
      work,
      controller,
      settled: Promise.resolve(),
      tearDown: () => (torn ??= Promise.resolve().then(() => work.teardown()).then(noop)),
    };
    this.entries.push(entry);
    if (this.exiting) controller.abort();
    const running = Promise.resolve().then(() => task(controller.signal));
    entry.settled = running.then(noop, noop);
    let succeeded = false;
    try {
      const result = await running;
      succeeded = true;
      return result;
    } finally {
      this.forget(entry);
      if (!(succeeded && work.keepOnSuccess === true && !this.exiting)) await entry.tearDown();
    }
  }

  private forget(entry: Entry): void {
    const i = this.entries.indexOf(entry);
    if (i >= 0) this.entries.splice(i, 1);
  }

  private installHandlers(): void {
    if (this.handlersInstalled) return;
    this.handlersInstalled = true;
    const proc = this.opts.process;
    for (const signal of GUARDED_SIGNALS) proc.on(signal, () => this.begin({ kind: 'signal', signal }));
    proc.on('uncaughtException', (error) => this.begin({ kind: 'crash', error }));
    proc.on('unhandledRejection', (error) => this.begin({ kind: 'crash', error }));
  }

  /** Start exiting for `cause`; later causes only get a line (a second Ctrl-C does not cut the teardown short). */
  private begin(cause: ExitCause): void {
    if (this.exiting) {
      if (cause.kind === 'signal') this.report(`${cause.signal}: already tearing down (at most ${(this.unwindTimeoutMs + this.teardownTimeoutMs) / 1000} s for each guarded work)`);
      if (cause.kind === 'crash') this.report(`skein: internal error while tearing down: ${this.describeCrash(cause.error)}`);
      return;
    }
    const code = exitCodeFor(cause);
    this.exitCause = cause;
    this.opts.process.exitCode = code;
    this.exiting = this.shutDown(cause).then(
      () => code,
      () => code,
    ).then((c) => {
      this.opts.process.exit(c);
      return c;
    });
  }

  private async shutDown(cause: ExitCause): Promise<void> {
    const entries = [...this.entries].reverse();
    if (cause.kind === 'crash') this.report(`skein: internal error: ${this.describeCrash(cause.error)}`);
    if (entries.length === 0) return;
    if (cause.kind === 'signal') this.report(`\n${cause.signal}: tearing down ${entries.map((e) => e.work.label).join(', ')}…`);
    for (const e of entries) e.controller.abort();
    for (const e of entries) {
      if (!(await this.within(e.settled, this.unwindTimeoutMs))) {
        this.report(`skein: ${e.work.label} did not stop within ${this.unwindTimeoutMs / 1000} s of being interrupted: removing it anyway`);
      }
      const hint = e.work.leftoverHint ? `; remove what is left with: ${e.work.leftoverHint}` : '';
      const torn = e.tearDown().then(
        () => true,
        (err: unknown) => { this.report(`skein: tearing down ${e.work.label} failed: ${messageOf(err)}${hint}`); return true; },
      );
      if (!(await this.within(torn, this.teardownTimeoutMs))) {
        this.report(`skein: tearing down ${e.work.label} did not finish within ${this.teardownTimeoutMs / 1000} s${hint}`);
      }
    }
    // The command's own last lines (what it removed) come before the exit.
    if (this.mainSettled) await this.within(this.mainSettled, this.unwindTimeoutMs);
  }

  /** True when `promise` settles within `ms`, false when the time ran out first. */
  private within(promise: Promise<unknown>, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => resolve(false), ms);
      void promise.then(() => { timer.cancel(); resolve(true); }, () => { timer.cancel(); resolve(true); });
    });
  }
}

let processGuard: ExitGuard | undefined;

/** The guard of this process (created on first use). */
export function exitGuard(): ExitGuard {
  processGuard ??= new ExitGuard({
    process,
    report: (line) => { process.stderr.write(`${line}\n`); },
    describeCrash: (error) => {
      const debug = process.argv.includes('--debug');
      const e = error as Error | undefined;
      return `${messageOf(error)}${debug && e?.stack ? `\n${e.stack}` : ''}`;
    },
  });
  return processGuard;
}
