/**
 * The per-execution time bound for a hang that never returns (an infinite
 * loop blocks the thread, so no timer on it can fire): a worker thread
 * watches a generation counter the loop bumps before each execution. When
 * one execution has used more CPU time than the bound, the worker writes
 * the input it was given (shared memory) to the findings folder and kills
 * the process; the runner reports the hang and the file. CPU time, not
 * wall time: on a loaded machine a niced process can wait seconds for a
 * core, which is not a hang (the worker itself sleeps, so the process's CPU
 * time is the fuzzed thread's).
 */
import { mkdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

/** How often the worker looks. */
const POLL_MS = 100;

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const { state, input, hangMs, dir, target, pollMs } = workerData;
const s = new Int32Array(state);
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
let seen = -1, since = cpuMs();
for (;;) {
  Atomics.wait(sleeper, 0, 0, pollMs);
  const armed = Atomics.load(s, 0), gen = Atomics.load(s, 1);
  if (!armed || gen !== seen) { seen = gen; since = cpuMs(); continue; }
  if (cpuMs() - since < hangMs) continue;
  const len = Atomics.load(s, 2);
  const bytes = Buffer.from(new Uint8Array(input, 0, len));
  const file = path.join(dir, 'hang-' + require('node:crypto').createHash('sha1').update(bytes).digest('hex').slice(0, 16) + '.bin');
  fs.writeFileSync(file, bytes);
  fs.writeSync(2, 'FUZZ-HANG ' + target + ' ' + file + ' (one execution used over ' + hangMs + ' ms of CPU)\\n');
  process.kill(process.pid, 'SIGKILL');
}
`;

export class Watchdog {
  private readonly state = new Int32Array(new SharedArrayBuffer(12));
  private readonly input: Uint8Array;
  private readonly worker: Worker;

  constructor(target: string, hangMs: number, findingsDir: string, maxInputBytes: number) {
    mkdirSync(findingsDir, { recursive: true });
    const inputBuffer = new SharedArrayBuffer(Math.max(1, maxInputBytes));
    this.input = new Uint8Array(inputBuffer);
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { state: this.state.buffer, input: inputBuffer, hangMs, dir: findingsDir, target, pollMs: POLL_MS },
    });
    this.worker.unref();
  }

  arm(input: Uint8Array): void {
    const len = Math.min(input.byteLength, this.input.byteLength);
    this.input.set(input.subarray(0, len));
    Atomics.store(this.state, 2, len);
    Atomics.add(this.state, 1, 1);
    Atomics.store(this.state, 0, 1);
  }

  disarm(): void {
    Atomics.store(this.state, 0, 0);
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}
