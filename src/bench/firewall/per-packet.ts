/**
 * The firewall's own cost per packet, in this process (no root, no
 * network): the decision on a packet of a tracked flow, and on the first
 * packet of a new flow (matched against the whole rule set), with no rules
 * and with BENCH_RULE_COUNT. Each case runs ROUNDS rounds of a bounded
 * number of packets after a warm-up long enough for the optimising compiler;
 * the result is the fastest round's mean time per decision (on a shared
 * machine, the round least disturbed by others).
 */
import { Firewall } from '../../dataplane/firewall/firewall.js';
import type { FirewallPeer } from '../../dataplane/firewall/match.js';
import { ipv6FromText } from '../../util/ipv6-text.js';
import { IPV6_HEADER_BYTES, writeIpv6Header } from '../../dataplane/ipv6.js';
import { BENCH_GROUP, benchRules, firewallSettings } from './rule-sets.js';

export const PER_PACKET_ITERATIONS = 100_000;
const WARMUP_ITERATIONS = 100_000;
const ROUNDS = 5;
const TCP_HEADER_BYTES = 20;
const TCP_PROTO = 6;
const ACK = 0x10;
const NS_PER_MS = 1e6;
const PORTS = 0x1_0000;
const SENDER: FirewallPeer = { idText: 'a'.repeat(32), name: 'n1', groups: [BENCH_GROUP] };

export interface PerPacketRow {
  rules: number;
  case: 'tracked flow' | 'new flow';
  nsPerPacket: number;
}

function tcpPacket(srcPort: number, dstPort: number): Uint8Array {
  const p = new Uint8Array(IPV6_HEADER_BYTES + TCP_HEADER_BYTES + 1200);
  writeIpv6Header(p, { payloadLength: p.byteLength - IPV6_HEADER_BYTES, nextHeader: TCP_PROTO, hopLimit: 64, source: ipv6FromText('fd00::1'), destination: ipv6FromText('fd00::2') });
  const v = new DataView(p.buffer);
  v.setUint16(IPV6_HEADER_BYTES, srcPort);
  v.setUint16(IPV6_HEADER_BYTES + 2, dstPort);
  p[IPV6_HEADER_BYTES + 13] = ACK;
  return p;
}

/** `body(i)` is called with a fresh i every time (new flows need fresh ports). */
function timed(iterations: number, body: (i: number) => void): number {
  let i = 0;
  for (; i < WARMUP_ITERATIONS; i++) body(i);
  let best = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const t0 = performance.now();
    for (const end = i + iterations; i < end; i++) body(i);
    best = Math.min(best, ((performance.now() - t0) * NS_PER_MS) / iterations);
  }
  return best;
}

export function measurePerPacket(ruleCounts: readonly number[], port: number): PerPacketRow[] {
  const rows: PerPacketRow[] = [];
  for (const count of ruleCounts) {
    // Conntrack bounds wide enough that new flows never evict: the cost measured is matching and tracking.
    const settings = { ...firewallSettings(benchRules(count, port)) };
    settings.conntrack = { ...settings.conntrack, maxFlows: 4_194_304, maxFlowsPerPeer: 4_194_304 };
    const fw = new Firewall({ settings, lookupPeer: () => SENDER });
    // As the node calls it: with no rules the firewall is inactive and skipped.
    const judge = (peer: FirewallPeer, packet: Uint8Array, nowMs: number) => (fw.active ? fw.inbound(peer, packet, nowMs).allow : true);
    const established = tcpPacket(40_000, port);
    judge(SENDER, established, 0);
    rows.push({ rules: count, case: 'tracked flow', nsPerPacket: round(timed(PER_PACKET_ITERATIONS, () => { judge(SENDER, established, 1); })) });
    // New flows: a fresh source port each packet, and a fresh peer every 64k ports; one buffer rewritten in place.
    const fresh = tcpPacket(0, port);
    const view = new DataView(fresh.buffer);
    const peers = Array.from({ length: Math.ceil((ROUNDS * PER_PACKET_ITERATIONS + WARMUP_ITERATIONS) / PORTS) }, (_, k) => ({ ...SENDER, idText: k.toString(16).padStart(32, '0') }));
    rows.push({ rules: count, case: 'new flow', nsPerPacket: round(timed(PER_PACKET_ITERATIONS, (i) => { view.setUint16(IPV6_HEADER_BYTES, i % PORTS); judge(peers[Math.floor(i / PORTS)]!, fresh, 2); })) });
  }
  return rows;
}

function round(ns: number): number {
  return Math.round(ns * 10) / 10;
}
