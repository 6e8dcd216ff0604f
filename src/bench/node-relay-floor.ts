/**
 * The latency floor of any Node.js forwarder on this machine, measured in
 * the same run: plain Node.js TCP relays on the same line (no crypto, no
 * TUN, no framing: each relay writes what it reads to the next hop), an
 * echo at the far end, and a client at the near end timing 100-byte round
 * trips at the ping interval after a warm-up. Skein's added RTT is reported
 * against it: what the daemon adds beyond what a Node process per hop costs.
 */
import type { ChildProcess } from 'node:child_process';
import type { Lab } from '../lab/lab.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import type { PingSummary } from './ping-output.js';

/** TCP port of the relays and the echo (inside the lab's namespaces). */
export const RELAY_FLOOR_PORT = 7997;
const WARMUP_ROUND_TRIPS = 20;
const MESSAGE_BYTES = 100;
/** The relays and the echo must be listening before the client dials. */
const LISTEN_SETTLE_MS = 500;
const TOOL_SLACK_MS = 10_000;

/**
 * One program for all three roles, run with `node -e` in a namespace:
 *   echo                      answer every byte
 *   relay HOST                forward both ways to HOST (the next hop)
 *   client HOST N MS WARMUP   N timed round trips MS apart; prints JSON
 */
const PROGRAM = `
const net = require('node:net');
const [role, host, count, intervalMs, warmup] = process.argv.slice(1);
const PORT = ${RELAY_FLOOR_PORT};
const server = (onSocket) => net.createServer((s) => { s.setNoDelay(true); s.on('error', () => {}); onSocket(s); }).listen(PORT, '::');
if (role === 'echo') server((s) => s.on('data', (d) => s.write(d)));
if (role === 'relay') server((up) => {
  const down = net.connect({ host, port: PORT }, () => down.setNoDelay(true));
  down.on('error', () => up.destroy());
  up.on('data', (d) => down.write(d));
  down.on('data', (d) => up.write(d));
  up.on('close', () => down.destroy());
  down.on('close', () => up.destroy());
});
if (role === 'client') {
  const s = net.connect({ host, port: PORT }, async () => {
    s.setNoDelay(true);
    const once = () => new Promise((resolve) => { s.once('data', resolve); s.write(Buffer.alloc(${MESSAGE_BYTES})); });
    const pause = (ms) => new Promise((r) => setTimeout(r, ms));
    for (let i = 0; i < Number(warmup); i++) { await once(); await pause(5); }
    const rtts = [];
    for (let i = 0; i < Number(count); i++) {
      const t = process.hrtime.bigint();
      await once();
      rtts.push(Number(process.hrtime.bigint() - t) / 1e6);
      await pause(Number(intervalMs));
    }
    process.stdout.write(JSON.stringify(rtts));
    s.destroy();
  });
  s.on('error', (e) => { process.stderr.write(e.message); process.exit(1); });
}
`;

/** min/avg/max/mdev of round-trip times, as ping reports them (pure). */
export function summarizeRtts(rtts: readonly number[]): PingSummary {
  const n = rtts.length;
  const avg = rtts.reduce((a, b) => a + b, 0) / Math.max(1, n);
  const mdev = Math.sqrt(rtts.reduce((a, b) => a + (b - avg) ** 2, 0) / Math.max(1, n));
  return { transmitted: n, received: n, minMs: Math.min(...rtts), avgMs: avg, maxMs: Math.max(...rtts), mdevMs: mdev };
}

function collect(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/**
 * Round trips from `path[0]` through relays on `path[1..-2]` to an echo on
 * the last node. `nextHopAddress(i)` is the address node i dials to reach
 * node i + 1 (on the link between them).
 */
export async function measureNodeRelayFloor(
  lab: Lab, path: readonly string[], nextHopAddress: (i: number) => string, count: number, intervalMs: number,
): Promise<PingSummary> {
  const node = process.execPath;
  const started: ChildProcess[] = [];
  try {
    started.push(lab.spawnIn(path[path.length - 1]!, [node, '-e', PROGRAM, 'echo'], { stdio: 'ignore' }));
    for (let i = 1; i < path.length - 1; i++) {
      started.push(lab.spawnIn(path[i]!, [node, '-e', PROGRAM, 'relay', nextHopAddress(i)], { stdio: 'ignore' }));
    }
    await new Promise((r) => setTimeout(r, LISTEN_SETTLE_MS));
    const client = lab.spawnIn(path[0]!, [node, '-e', PROGRAM, 'client', nextHopAddress(0), String(count), String(intervalMs), String(WARMUP_ROUND_TRIPS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(client);
    const timer = setTimeout(() => client.kill('SIGKILL'), count * intervalMs + TOOL_SLACK_MS);
    const r = await collect(client).finally(() => clearTimeout(timer));
    let rtts: unknown;
    try {
      rtts = JSON.parse(r.stdout);
    } catch {
      rtts = undefined;
    }
    if (!Array.isArray(rtts) || rtts.length === 0 || !rtts.every((x) => typeof x === 'number')) {
      throw new SkeinError(ErrorCodes.LAB, `node relay floor ${path.join(' → ')}: no round trips (${r.stderr.trim().slice(0, 200) || `exit ${r.code}`})`);
    }
    return summarizeRtts(rtts as number[]);
  } finally {
    for (const child of started) child.kill('SIGKILL');
  }
}
