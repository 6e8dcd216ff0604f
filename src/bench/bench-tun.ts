/**
 * TUN read+write throughput of the shipped backend (the N-API addon,
 * native/tun.c): `npm run bench:tun [-- --json]` (root).
 *
 * One TUN (MTU 64000) in a fresh namespace; this process
 * answers every ICMPv6 echo request it reads by turning it into the reply in
 * place and writing the batch straight back. `ping -f -l 64` inside the
 * namespace is the load (64 echoes in flight, as fast as they return), once
 * per packet size, each run at most RUN_SECONDS. Reported: packets/s through
 * the device (reads + writes), Mbit/s of IPv6 packets, the mean read batch,
 * and this process's CPU time per packet (what a data plane pays per packet,
 * less sensitive to a shared machine than the rate).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ipv6FromText } from '../util/ipv6-text.js';
import { echoReplyInPlace } from '../dataplane/icmpv6.js';
import { addonBackend } from '../dataplane/tun-addon.js';
import type { TunBackend } from '../dataplane/tun-backend.js';
import { openLinuxTun } from '../dataplane/tun-linux.js';
import { TunNamespace } from '../lab/tun-namespace.js';

/** ping's -w takes whole seconds. */
const RUN_SECONDS = 2;
/** ping payload sizes: minimal, a typical Ethernet-sized packet, a jumbo packet near the default MTU. */
const PAYLOAD_SIZES = [56, 1352, 63_000];
const BENCH_MTU = 64_000;
const PREFIX = 'fd5b:e9c5:7a11::/48';
const OWN = ipv6FromText('fd5b:e9c5:7a11::1');
const PEER = 'fd5b:e9c5:7a11::2';
const PING_PRELOAD = 64;
const PING_MAX_COUNT = 1_000_000;
const IPV6_ICMP_HEADERS = 48;
const BITS = 8;
const MICROS_PER_MILLI = 1000;

export interface BenchRow {
  backend: string;
  packetBytes: number;
  echoes: number;
  seconds: number;
  packetsPerSecond: number;
  mbitPerSecond: number;
  meanBatch: number;
  cpuMicrosPerPacket: number;
  pingAvgRttMs: number | null;
}

async function runSize(backend: TunBackend, ns: TunNamespace, tunName: string, size: number): Promise<BenchRow> {
  const tun = await openLinuxTun({ name: tunName, mtu: BENCH_MTU, address: OWN, prefix: PREFIX, backend, runStep: ns.stepRunner(tunName) });
  try {
    tun.onPackets((batch) => {
      for (const p of batch) echoReplyInPlace(p);
      tun.write(batch);
    });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await ns.exec(
      ['ping', '-6', '-q', '-f', '-l', String(PING_PRELOAD), '-c', String(PING_MAX_COUNT), '-w', String(RUN_SECONDS), '-s', String(size), PEER],
      (RUN_SECONDS + 5) * MICROS_PER_MILLI,
    );
    const seconds = (performance.now() - t0) / MICROS_PER_MILLI;
    const cpu = process.cpuUsage(cpu0);
    const stats = tun.stats();
    const echoes = Number(/(\d+) received/.exec(r.stdout)?.[1] ?? 0);
    if (echoes === 0) throw new Error(`bench: ping got no replies (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
    const rtt = /= [\d.]+\/([\d.]+)\//.exec(r.stdout);
    const packets = stats.packetsRead + stats.packetsWritten;
    const packetBytes = size + IPV6_ICMP_HEADERS;
    return {
      backend: backend.kind,
      packetBytes,
      echoes,
      seconds: round(seconds, 2),
      packetsPerSecond: Math.round(packets / seconds),
      mbitPerSecond: round((packets * packetBytes * BITS) / seconds / 1e6, 0),
      meanBatch: round(stats.packetsRead / Math.max(1, stats.readBatches), 1),
      cpuMicrosPerPacket: round((cpu.user + cpu.system) / Math.max(1, packets), 2),
      pingAvgRttMs: rtt ? Number(rtt[1]) : null,
    };
  } finally {
    await tun.close();
  }
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export async function benchTun(): Promise<BenchRow[]> {
  const backend = addonBackend();
  const rows: BenchRow[] = [];
  const ns = await TunNamespace.create('bench');
  const cleanup = () => void ns.destroy().then(() => process.exit(130));
  process.once('SIGINT', cleanup);
  process.once('SIGTERM', cleanup);
  try {
    for (const size of PAYLOAD_SIZES) rows.push(await runSize(backend, ns, `skb${process.pid % 100_000}`, size));
  } finally {
    process.off('SIGINT', cleanup);
    process.off('SIGTERM', cleanup);
    await ns.destroy();
  }
  return rows;
}

function printTable(rows: BenchRow[]): void {
  const header = ['backend', 'packet B', 'echoes', 'packets/s', 'Mbit/s', 'batch', 'CPU µs/pkt', 'ping avg ms'];
  const lines = rows.map((r) => [r.backend, r.packetBytes, r.echoes, r.packetsPerSecond, r.mbitPerSecond, r.meanBatch, r.cpuMicrosPerPacket, r.pingAvgRttMs ?? '-'].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  for (const l of [header, ...lines]) console.log(l.map((c, i) => c.padStart(widths[i]!)).join('  '));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const rows = await benchTun();
  if (process.argv.includes('--json')) console.log(JSON.stringify({ date: new Date().toISOString(), rows }, null, 2));
  else printTable(rows);
}
