/**
 * The latency floor of a user-space process per hop on this machine,
 * measured in the same run: plain TCP relays on the line (no crypto, no TUN,
 * no framing: each relay writes what it reads to the next hop), an echo at
 * the far end, and a timing client at the near end sending 100-byte round
 * trips. Four kinds of relay: C (src/bench/relays/relay.c, compiled with
 * `cc -O2` into the lab's directory at bench time), the same C with a
 * thread per direction blocked in read(2) instead of a poll(2) loop (what
 * a blocking read thread gains over readiness polling), Python 3
 * (src/bench/relays/relay.py) and Node.js (the program below); the echo is
 * of the relays' kind, the client one and the same for every kind (the C
 * one when it compiled, otherwise the Node.js one), so the kinds differ only
 * in the processes on the hops. Skein's RTT is read against the Node.js one:
 * what the daemon adds beyond what a Node process per hop costs.
 *
 * Each client phase is N round trips, each after a pause of one interval,
 * as the idle pings are timed.
 */
import { execFile, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lab } from '../lab/lab.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import type { PingSummary } from './ping-output.js';
import type { IdlePingSpec, IdleRtt, RelayKind } from './results.js';

/** TCP port of the relays and the echo (inside the lab's namespaces). */
export const RELAY_FLOOR_PORT = 7997;
const WARMUP_ROUND_TRIPS = 20;
/** Bounds the wait for a relay or echo to print "ready" (python3 behind a version-manager shim starts slowly). */
const READY_TIMEOUT_MS = 10_000;
const COMPILE_TIMEOUT_MS = 60_000;
const TOOL_SLACK_MS = 10_000;
/** The relays' kinds in the order they are measured and reported. */
export const RELAY_KINDS: readonly RelayKind[] = ['c', 'c-threads', 'python', 'node'];

/** Two levels under the package root, like every module here, compiled or bundled. */
const sourceFile = (name: string): string => fileURLToPath(new URL(`../../src/bench/relays/${name}`, import.meta.url));

/**
 * The Node.js relay, echo and client, run with `node -e`; the same command
 * line as relay.c:
 *   echo PORT | relay PORT NEXT | client PORT HOST WARMUP N:MS...
 */
const NODE_PROGRAM = `
const net = require('node:net');
const [role, port, host, warmup, ...phases] = process.argv.slice(1);
const serve = (onSocket) => net.createServer((s) => { s.setNoDelay(true); s.on('error', () => {}); onSocket(s); })
  .listen(Number(port), '::', () => process.stdout.write('ready\\n'));
if (role === 'echo') serve((s) => s.on('data', (d) => s.write(d)));
if (role === 'relay') serve((up) => {
  const down = net.connect({ host, port: Number(port) }, () => down.setNoDelay(true));
  down.on('error', () => up.destroy());
  up.on('data', (d) => down.write(d));
  down.on('data', (d) => up.write(d));
  up.on('close', () => down.destroy());
  down.on('close', () => up.destroy());
});
if (role === 'client') {
  const s = net.connect({ host, port: Number(port) }, async () => {
    s.setNoDelay(true);
    const once = () => new Promise((resolve) => { s.once('data', resolve); s.write(Buffer.alloc(100)); });
    const pause = (ms) => new Promise((r) => setTimeout(r, ms));
    for (let i = 0; i < Number(warmup); i++) { await once(); await pause(5); }
    const out = [];
    for (const phase of phases) {
      const [count, ms] = phase.split(':').map(Number);
      const rtts = [];
      for (let i = 0; i < count; i++) {
        await pause(ms);
        const t = process.hrtime.bigint();
        await once();
        rtts.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
      out.push(rtts);
    }
    process.stdout.write(JSON.stringify(out) + '\\n');
    s.destroy();
  });
  s.on('error', (e) => { process.stderr.write(e.message); process.exit(1); });
}
`;

/** How to start one kind's program: argv for a role and its arguments. */
export interface RelayProgram {
  kind: RelayKind;
  argv(role: 'echo' | 'relay' | 'client', args: readonly string[]): string[];
}

/** The kinds that can run here, each program or why not, and the client every kind is timed with. */
export interface RelayPrograms {
  programs: Map<RelayKind, RelayProgram | { skipped: string }>;
  client: RelayProgram;
}

function runs(tool: string, flag: string): boolean {
  return !spawnSync(tool, [flag], { stdio: 'ignore' }).error;
}

function compile(source: string, output: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('cc', ['-O2', '-pthread', '-o', output, source], { timeout: COMPILE_TIMEOUT_MS, encoding: 'utf8' }, (err, _stdout, stderr) => {
      resolve(err ? `cc -O2 failed: ${(stderr.trim().split('\n')[0] ?? err.message).slice(0, 200)}` : undefined);
    });
  });
}

/** Compile the C program into `dir` (when a compiler exists) and find python3. */
export async function prepareRelayPrograms(dir: string): Promise<RelayPrograms> {
  const programs = new Map<RelayKind, RelayProgram | { skipped: string }>();
  const binary = join(dir, 'relay-floor');
  const failed = runs('cc', '--version') ? await compile(sourceFile('relay.c'), binary) : 'no C compiler (cc) found';
  programs.set('c', failed ? { skipped: failed } : { kind: 'c', argv: (role, args) => [binary, role, ...args] });
  programs.set('c-threads', failed ? { skipped: failed } : { kind: 'c-threads', argv: (role, args) => [binary, role === 'relay' ? 'relay-threads' : role, ...args] });
  const python = sourceFile('relay.py');
  programs.set('python', runs('python3', '--version') ? { kind: 'python', argv: (role, args) => ['python3', python, role, ...args] } : { skipped: 'python3 not installed' });
  const node: RelayProgram = { kind: 'node', argv: (role, args) => [process.execPath, '-e', NODE_PROGRAM, role, ...args] };
  programs.set('node', node);
  const c = programs.get('c');
  return { programs, client: c && 'argv' in c ? c : node };
}

/** min/avg/max/mdev of round-trip times, as ping reports them (pure). */
export function summarizeRtts(rtts: readonly number[]): PingSummary {
  const n = rtts.length;
  const avg = rtts.reduce((a, b) => a + b, 0) / Math.max(1, n);
  const mdev = Math.sqrt(rtts.reduce((a, b) => a + (b - avg) ** 2, 0) / Math.max(1, n));
  return { transmitted: n, received: n, minMs: Math.min(...rtts), avgMs: avg, maxMs: Math.max(...rtts), mdevMs: mdev };
}

/**
 * The client's output (pure): one JSON array per phase, each with that
 * phase's round-trip times in ms; throws unless it has exactly the phases
 * and counts asked for.
 */
export function parseClientOutput(text: string, specs: readonly IdlePingSpec[]): number[][] {
  let value: unknown;
  try {
    value = JSON.parse(text.trim());
  } catch {
    throw new SkeinError(ErrorCodes.LAB, `relay floor client printed no JSON: ${text.trim().slice(0, 120) || '(nothing)'}`);
  }
  const valid = Array.isArray(value) && value.length === specs.length && value.every((phase: unknown, i) =>
    Array.isArray(phase) && phase.length === specs[i]!.count && phase.every((x: unknown) => typeof x === 'number' && Number.isFinite(x) && x >= 0));
  if (!valid) throw new SkeinError(ErrorCodes.LAB, `relay floor client printed ${text.trim().slice(0, 120)}, expected ${specs.length} arrays of ${specs.map((s) => s.count).join(', ')} round trips`);
  return value as number[][];
}

/** Spawn a listener and wait until it prints "ready" (or fails). */
async function startListener(lab: Lab, node: string, argv: string[], started: ChildProcess[]): Promise<void> {
  const child = lab.spawnIn(node, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new SkeinError(ErrorCodes.LAB, `${argv[0]} in ${node} did not listen within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    child.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('ready')) { clearTimeout(timer); resolve(); } });
    child.once('exit', (code) => { clearTimeout(timer); reject(new SkeinError(ErrorCodes.LAB, `${argv[0]} in ${node} exited (${code}): ${stderr.trim().slice(0, 200)}`)); });
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

function collect(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  return new Promise((resolve) => {
    child.once('error', (e) => resolve({ code: null, stdout, stderr: stderr || e.message }));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** SIGKILL every child still running and wait until each has exited (the port is free again). */
async function stopAll(children: readonly ChildProcess[]): Promise<void> {
  await Promise.all(children.map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  })));
}

/**
 * Round trips from `path[0]` through `relay` programs on `path[1..-2]` to
 * its echo on the last node, timed by `client`. `nextHopAddress(i)` is the
 * address node i dials to reach node i + 1 (on the link between them).
 */
export async function measureRelayFloor(
  lab: Lab, path: readonly string[], nextHopAddress: (i: number) => string,
  relay: RelayProgram, client: RelayProgram, specs: readonly IdlePingSpec[],
): Promise<IdleRtt[]> {
  const port = String(RELAY_FLOOR_PORT);
  const started: ChildProcess[] = [];
  try {
    await startListener(lab, path[path.length - 1]!, relay.argv('echo', [port]), started);
    for (let i = path.length - 2; i >= 1; i--) await startListener(lab, path[i]!, relay.argv('relay', [port, nextHopAddress(i)]), started);
    const phases = specs.map((s) => `${s.count}:${s.intervalMs}`);
    const child = lab.spawnIn(path[0]!, client.argv('client', [port, nextHopAddress(0), String(WARMUP_ROUND_TRIPS), ...phases]), { stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(child);
    const expectedMs = specs.reduce((a, s) => a + s.count * s.intervalMs, 0);
    const timer = setTimeout(() => child.kill('SIGKILL'), expectedMs + TOOL_SLACK_MS);
    const r = await collect(child).finally(() => clearTimeout(timer));
    if (r.code !== 0) throw new SkeinError(ErrorCodes.LAB, `relay floor ${path.join(' → ')}: the client failed (${r.stderr.trim().slice(0, 200) || `exit ${r.code}`})`);
    return parseClientOutput(r.stdout, specs).map((rtts, i) => ({ phase: 'after start', intervalMs: specs[i]!.intervalMs, count: specs[i]!.count, rtt: summarizeRtts(rtts) }));
  } finally {
    await stopAll(started);
  }
}
