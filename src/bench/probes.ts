/**
 * The measuring tools, run inside lab namespaces: a counted ping for RTT
 * (right after a warm-up, or after idle gaps), iperf3 for TCP throughput, a ping loop for the time to the first reply,
 * and a continuous timestamped ping for the reroute gap. Every run is
 * bounded in time (a timeout kills it); nothing touches the host network.
 */
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Lab } from '../lab/lab.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { parseIperfJson, type IperfResult } from './iperf-output.js';
import { parsePingReplies, parsePingSummary, type PingReply, type PingSummary } from './ping-output.js';
import type { IdlePhase, IdlePingSpec, IdleRtt } from './results.js';

/** Pings before a measurement: neighbour discovery or a session handshake stays out of the numbers. */
export const WARMUP_PINGS = 3;
const WARMUP_INTERVAL_S = '0.05';
/** Per-reply wait (s) of counted pings. */
const PING_WAIT_S = '1';
/** Added to every tool's expected duration before it is killed. */
export const TOOL_TIMEOUT_SLACK_MS = 10_000;
export const IPERF_PORT = 5201;
const IPERF_CONNECT_TIMEOUT_MS = 2_000;
/** iperf3's server needs a moment to listen; refused connections are retried this often. */
const IPERF_CONNECT_ATTEMPTS = 10;
const IPERF_RETRY_MS = 200;
/** The first-ping probe sends this often (s); started again this long after ping could not start (no TUN yet). */
const FIRST_PING_INTERVAL_S = '0.01';
const FIRST_PING_RETRY_S = '0.02';

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new SkeinError(ErrorCodes.LAB, 'interrupted');
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.slice(0, 200) ?? '';
}

/** A few quick pings: neighbour discovery or a session handshake stays out of the measurement after it. */
async function warmUp(lab: Lab, from: string, address: string, signal?: AbortSignal): Promise<void> {
  await lab.exec(from, ['ping', '-6', '-n', '-q', '-c', String(WARMUP_PINGS), '-i', WARMUP_INTERVAL_S, '-W', PING_WAIT_S, address], { timeoutMs: TOOL_TIMEOUT_SLACK_MS, ...(signal ? { signal } : {}) });
  throwIfAborted(signal);
}

/** `count` pings `intervalMs` apart; the summary (and, when asked, each reply's RTT), or an error when nothing came back. */
async function countedPing(lab: Lab, from: string, address: string, count: number, intervalMs: number, signal?: AbortSignal, replies = false): Promise<{ summary: PingSummary; rttsMs?: number[] }> {
  const expectedMs = count * intervalMs;
  // -q prints the summary alone; -D timestamps the reply lines parsePingReplies reads.
  const output = replies ? ['-D'] : ['-q'];
  const r = await lab.exec(from, ['ping', '-6', '-n', ...output, '-c', String(count), '-i', String(intervalMs / 1000), '-W', PING_WAIT_S, address], { timeoutMs: expectedMs + TOOL_TIMEOUT_SLACK_MS, ...(signal ? { signal } : {}) });
  throwIfAborted(signal);
  const summary = parsePingSummary(r.stdout);
  if (!summary || summary.received === 0) {
    throw new SkeinError(ErrorCodes.LAB, `ping ${from} → ${address}: no reply (${firstLine(r.stderr) || firstLine(r.stdout) || `exit ${r.code}`})`);
  }
  return replies ? { summary, rttsMs: parsePingReplies(r.stdout).map((p) => p.rttMs) } : { summary };
}

/** Warm the path up, then `count` pings `intervalMs` apart. */
export async function measureRtt(lab: Lab, from: string, address: string, count: number, intervalMs: number, signal?: AbortSignal): Promise<PingSummary> {
  await warmUp(lab, from, address, signal);
  return (await countedPing(lab, from, address, count, intervalMs, signal)).summary;
}

/**
 * The idle path, the way a person pings a node: after the warm-up, for each
 * spec, one interval of silence and then its counted pings, so that every
 * ping follows an idle gap of one interval. One entry per spec; a run that
 * got no reply has its error. With `replies`, each run also keeps every
 * reply's RTT (for medians).
 */
export async function measureIdleRtts(lab: Lab, from: string, address: string, phase: IdlePhase, specs: readonly IdlePingSpec[], signal?: AbortSignal, replies = false): Promise<IdleRtt[]> {
  const out: IdleRtt[] = [];
  await warmUp(lab, from, address, signal);
  for (const { intervalMs, count } of specs) {
    throwIfAborted(signal);
    const run: IdleRtt = { phase, intervalMs, count, rtt: null };
    try {
      await sleep(intervalMs, undefined, signal ? { signal } : {});
      const counted = await countedPing(lab, from, address, count, intervalMs, signal, replies);
      run.rtt = counted.summary;
      if (counted.rttsMs) run.rttsMs = counted.rttsMs;
    } catch (err) {
      throwIfAborted(signal);
      run.error = err instanceof Error ? err.message : String(err);
    }
    out.push(run);
  }
  return out;
}

/** Something to run exactly around the iperf3 client (CPU sampling). */
export interface Window {
  start(): void;
  stop(): void;
}

export interface ThroughputOptions {
  seconds: number;
  omitSeconds: number;
  during?: Window;
  /** Ends the run at once (the client is killed). */
  signal?: AbortSignal;
}

/** One iperf3 TCP test: a one-shot server in `server`, the client in `client` sending to `address`. */
export async function measureThroughput(lab: Lab, client: string, server: string, address: string, opts: ThroughputOptions): Promise<IperfResult> {
  const srv = lab.spawnIn(server, ['iperf3', '-s', '-1', '-p', String(IPERF_PORT)], { stdio: 'ignore' });
  srv.on('error', () => { /* the client's failure to connect reports it */ });
  try {
    const argv = ['iperf3', '-c', address, '-p', String(IPERF_PORT), '-t', String(opts.seconds), '-O', String(opts.omitSeconds), '-J', '--connect-timeout', String(IPERF_CONNECT_TIMEOUT_MS)];
    const timeoutMs = (opts.seconds + opts.omitSeconds) * 1000 + TOOL_TIMEOUT_SLACK_MS;
    for (let attempt = 1; ; attempt++) {
      opts.during?.start();
      const r = await lab.exec(client, argv, { timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) });
      opts.during?.stop();
      throwIfAborted(opts.signal);
      const outcome = parseIperfJson(r.stdout);
      if (outcome.ok) return outcome.result;
      const refused = /refused|unable to connect/i.test(outcome.error);
      if (!refused || attempt >= IPERF_CONNECT_ATTEMPTS) {
        throw new SkeinError(ErrorCodes.LAB, `iperf3 ${client} → ${address}: ${r.timedOut ? 'timed out' : outcome.error}`);
      }
      await sleep(IPERF_RETRY_MS);
    }
  } finally {
    stopChild(srv);
  }
}

function stopChild(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

export interface FirstPing {
  /** From `startedAtMs` to the first echo reply (ping -D timestamp). */
  ms: number;
  attempts: number;
}

/**
 * How long after `startedAtMs` the first echo reply arrived. One `ping -D`
 * sends every FIRST_PING_INTERVAL_S and the first reply line's timestamp is
 * the answer. Until the node's TUN interface exists ping cannot start (no
 * route to the address): a shell loop inside the namespace starts it again
 * after FIRST_PING_RETRY_S. One process tree for the whole wait, not a
 * process per try from out here: the probe must not load the cores the
 * daemons are starting on.
 */
export async function timeToFirstPing(lab: Lab, from: string, address: string, startedAtMs: number, deadlineMs: number, signal?: AbortSignal): Promise<FirstPing> {
  const seconds = Math.max(1, Math.ceil(deadlineMs / 1000));
  const loop = `until ping -6 -n -D -i ${FIRST_PING_INTERVAL_S} -w "$1" "$2"; do sleep ${FIRST_PING_RETRY_S}; done`;
  const child = lab.spawnIn(from, ['sh', '-c', loop, 'sh', String(seconds), address], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  let err = '';
  let reply: PingReply | undefined;
  const stop = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL'); // the loop and its ping
    } catch {
      // already gone
    }
  };
  const killTimer = setTimeout(stop, Math.max(0, deadlineMs - (Date.now() - startedAtMs)));
  signal?.addEventListener('abort', stop, { once: true });
  await new Promise<void>((resolve) => {
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString('utf8');
      reply ??= parsePingReplies(out)[0];
      if (reply) stop();
    });
    child.stderr?.on('data', (b: Buffer) => { err += b.toString('utf8'); });
    child.once('error', (e) => { err ||= e.message; resolve(); });
    child.once('close', () => resolve());
  });
  clearTimeout(killTimer);
  signal?.removeEventListener('abort', stop);
  const attempts = 1 + err.split('\n').filter((l) => l.startsWith('ping:')).length;
  if (reply) return { ms: reply.atMs - startedAtMs, attempts };
  if (signal?.aborted) throw new SkeinError(ErrorCodes.LAB, 'interrupted');
  const last = err.trim().split('\n').pop()?.slice(0, 200) || firstLine(out) || 'no reply';
  throw new SkeinError(ErrorCodes.LAB, `no reply from ${address} to ${from} within ${deadlineMs} ms of starting the daemons (${attempts} tries; last: ${last})`);
}

export interface ContinuousPing {
  /** Resolves when ping exits (after `seconds`): its replies and when it ended. */
  done: Promise<{ replies: PingReply[]; endMs: number }>;
}

/** `ping -D -i interval -w seconds`: timestamped replies for the whole run; ends by itself. */
export function continuousPing(lab: Lab, from: string, address: string, intervalMs: number, seconds: number): ContinuousPing {
  const child = lab.spawnIn(from, ['ping', '-6', '-n', '-D', '-i', String(intervalMs / 1000), '-W', PING_WAIT_S, '-w', String(seconds), address], { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  child.stdout?.on('data', (b: Buffer) => chunks.push(b));
  const killTimer = setTimeout(() => stopChild(child), seconds * 1000 + TOOL_TIMEOUT_SLACK_MS);
  const done = new Promise<{ replies: PingReply[]; endMs: number }>((resolve, reject) => {
    child.once('error', (e) => { clearTimeout(killTimer); reject(new SkeinError(ErrorCodes.LAB, `ping in ${from}: ${e.message}`)); });
    child.once('close', () => {
      clearTimeout(killTimer);
      resolve({ replies: parsePingReplies(Buffer.concat(chunks).toString('utf8')), endMs: Date.now() });
    });
  });
  return { done };
}
