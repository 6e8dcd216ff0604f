/**
 * The soak's traffic, all over the TUN between lab nodes:
 *  - ping streams: `ping -6 -D` at a fixed interval between pairs, each
 *    reply parsed (sequence, send time = receive time − RTT); a lost
 *    probe's send time is interpolated from its neighbours, so every probe
 *    can be judged against the fault windows;
 *  - transfers: a file of seeded random bytes sent over TCP with socat, its
 *    sha256 computed as the receiver reads it and compared.
 */
import { createHash } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SeededRandom } from '../util/random.js';
import type { Lab } from './lab.js';

export const PING_INTERVAL_S = 0.2;

export interface Probe {
  seq: number;
  /** Wall ms it was sent (measured, or interpolated when lost). */
  sentAtMs: number;
  received: boolean;
}

const REPLY = /^\[(\d+\.\d+)\] \d+ bytes from .+?: icmp_seq=(\d+) .*time=([\d.]+) ms/;

/** Probes from ping -D output lines; sequences without a reply in between the first and last seen are lost. */
export function probesFromPing(lines: readonly string[]): Probe[] {
  const replies = new Map<number, number>();
  for (const line of lines) {
    const m = REPLY.exec(line);
    if (!m) continue;
    const seq = Number(m[2]);
    if (!replies.has(seq)) replies.set(seq, Number(m[1]) * 1000 - Number(m[3]));
  }
  if (replies.size === 0) return [];
  const seqs = [...replies.keys()].sort((a, b) => a - b);
  const first = seqs[0] as number;
  const last = seqs.at(-1) as number;
  const probes: Probe[] = [];
  let before = first;
  for (let seq = first; seq <= last; seq++) {
    const sent = replies.get(seq);
    if (sent !== undefined) {
      probes.push({ seq, sentAtMs: sent, received: true });
      before = seq;
      continue;
    }
    const after = seqs.find((s) => s > seq) as number;
    const a = replies.get(before) as number;
    const b = replies.get(after) as number;
    probes.push({ seq, sentAtMs: a + ((b - a) * (seq - before)) / (after - before), received: false });
  }
  return probes;
}

export class PingStream {
  private readonly lines: string[] = [];
  private partial = '';
  readonly child: ChildProcess;

  constructor(lab: Lab, readonly from: string, readonly to: string, address: string) {
    this.child = lab.spawnIn(from, ['ping', '-6', '-n', '-D', '-i', String(PING_INTERVAL_S), '-W', '2', address], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.child.stdout?.on('data', (b: Buffer) => {
      const text = this.partial + b.toString('utf8');
      const parts = text.split('\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts);
    });
  }

  probes(): Probe[] {
    return probesFromPing(this.lines);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGINT');
    await exited;
  }
}

export interface TransferResult {
  from: string;
  to: string;
  bytes: number;
  startedAtMs: number;
  endedAtMs: number;
  /** Completed: the receiver read every byte; ok: and the sha256 matches. */
  completed: boolean;
  ok: boolean;
  error?: string;
}

/** A file of seeded random bytes in `dir`; returns its path and sha256. */
export function seededFile(dir: string, seed: number, bytes: number): { path: string; sha256: string } {
  const rng = new SeededRandom(seed);
  const data = Buffer.from(rng.bytes(bytes));
  const path = join(dir, `soak-${seed}.bin`);
  writeFileSync(path, data);
  return { path, sha256: createHash('sha256').update(data).digest('hex') };
}

const TRANSFER_PORT = 5201;

/** Send `file` from one node to another over TCP across the TUN (socat both ends); bounded by `timeoutMs`. */
export async function transfer(lab: Lab, from: string, to: string, toAddress: string, file: { path: string; sha256: string }, bytes: number, timeoutMs: number): Promise<TransferResult> {
  const startedAtMs = Date.now();
  const hash = createHash('sha256');
  let received = 0;
  const receiver = lab.spawnIn(to, ['socat', '-u', `TCP6-LISTEN:${TRANSFER_PORT},bind=[${toAddress}],reuseaddr`, 'STDOUT'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let receiverError = '';
  receiver.stderr?.on('data', (b: Buffer) => { receiverError += b.toString(); });
  receiver.stdout?.on('data', (b: Buffer) => { received += b.byteLength; hash.update(b); });
  const receiverDone = new Promise<number | null>((r) => receiver.once('close', (code) => r(code)));
  // The listener must be bound before the sender connects.
  await new Promise((r) => setTimeout(r, 300));
  const sender = lab.spawnIn(from, ['socat', '-u', `OPEN:${file.path},rdonly`, `TCP6:[${toAddress}]:${TRANSFER_PORT},connect-timeout=5`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let senderError = '';
  sender.stderr?.on('data', (b: Buffer) => { senderError += b.toString(); });
  const senderDone = new Promise<number | null>((r) => sender.once('close', (code) => r(code)));
  // A sender that never connected leaves the listener waiting: end it too.
  void senderDone.then((code) => { if (code !== 0) setTimeout(() => receiver.kill('SIGKILL'), 1_000).unref(); });
  const timer = setTimeout(() => { sender.kill('SIGKILL'); receiver.kill('SIGKILL'); }, timeoutMs);
  const [sent, got] = await Promise.all([senderDone, receiverDone]);
  clearTimeout(timer);
  const endedAtMs = Date.now();
  const completed = received === bytes && got === 0;
  const ok = completed && hash.digest('hex') === file.sha256;
  const result: TransferResult = { from, to, bytes: received, startedAtMs, endedAtMs, completed, ok };
  if (!completed) result.error = `received ${received} of ${bytes} bytes (sender exit ${sent}, receiver exit ${got}${senderError ? `: ${senderError.trim().split('\n')[0]}` : ''}${receiverError ? `; ${receiverError.trim().split('\n')[0]}` : ''})`;
  return result;
}
