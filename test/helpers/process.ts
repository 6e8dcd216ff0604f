/**
 * Processes started by tests (usually inside a lab node): their output is
 * kept (bounded) so a failing test can print it, lines can be awaited with a
 * deadline, and stopping is certain (SIGTERM, then SIGKILL).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { waitFor } from './wait.js';

/** Lines kept per process; older ones are dropped (the tail is what explains a failure). */
export const MAX_KEPT_LINES = 2_000;
export const STOP_GRACE_MS = 2_000;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class ManagedProcess {
  private readonly kept: string[] = [];
  private droppedLines = 0;
  private exitInfo: Exit | undefined;
  readonly exited: Promise<Exit>;

  constructor(readonly label: string, readonly child: ChildProcess) {
    const collect = (stream: NodeJS.ReadableStream | null, tag: string) => {
      let partial = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) this.keep(`${tag} ${line}`);
      });
      stream?.on('end', () => { if (partial) this.keep(`${tag} ${partial}`); });
    };
    collect(child.stdout, 'out');
    collect(child.stderr, 'err');
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
      child.once('error', (err) => {
        this.keep(`spawn error: ${err.message}`);
        this.exitInfo = { code: null, signal: null };
        resolve(this.exitInfo);
      });
    });
  }

  private keep(line: string): void {
    this.kept.push(line);
    if (this.kept.length > MAX_KEPT_LINES) {
      this.kept.shift();
      this.droppedLines++;
    }
  }

  /** stdout lines (without the stream tag). */
  stdoutLines(): string[] {
    return this.kept.filter((l) => l.startsWith('out ')).map((l) => l.slice(4));
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** Wait for a stdout line matching `pattern`; fails early if the process exits first. */
  async waitForLine(pattern: RegExp, timeoutMs: number): Promise<string> {
    return waitFor(() => {
      const line = this.stdoutLines().find((l) => pattern.test(l));
      if (line !== undefined) return line;
      if (!this.running) throw new Error(`${this.label} exited (${JSON.stringify(this.exitInfo)}) before printing ${pattern}`);
      return undefined;
    }, { timeoutMs, intervalMs: 20, what: `${this.label} to print ${pattern}` });
  }

  /** SIGTERM, then SIGKILL after a grace period; resolves when it has exited. */
  async stop(): Promise<Exit> {
    if (!this.running) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The kept output, each line prefixed with the label, for a failure report. */
  logs(): string {
    const head = `--- ${this.label} (${this.running ? 'running' : `exited ${JSON.stringify(this.exitInfo)}`})${this.droppedLines ? `, ${this.droppedLines} earlier lines dropped` : ''}`;
    return [head, ...this.kept.map((l) => `  ${l}`)].join('\n');
  }
}

/** Every process a test started, so all are stopped and all logs can be printed. */
export class ProcessGroup {
  private readonly members: ManagedProcess[] = [];

  add(process: ManagedProcess): ManagedProcess {
    this.members.push(process);
    return process;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.members.map((p) => p.stop()));
  }

  logs(): string {
    return this.members.map((p) => p.logs()).join('\n');
  }
}

/**
 * `skein up` started as a child process (argv after node's own path), read
 * until it logs "node up", exits, or `timeoutMs` passes; then SIGTERM. Resolves
 * with everything it printed and its exit code.
 */
export async function runUntilNodeUp(argv: readonly string[], options: SpawnOptions, timeoutMs: number): Promise<{ out: string; code: number | null }> {
  const child = spawn(process.execPath, [...argv], { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr?.on('data', (b: Buffer) => { out += b.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + timeoutMs;
  while (!out.includes('"node up"') && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const up = out.includes('"node up"');
  child.kill('SIGTERM');
  const code = await exited;
  return { out: up ? out : `${out}\n(no "node up" within ${timeoutMs} ms)`, code };
}

