/**
 * Mesh packets through the forwarder (dataplane/forwarding.ts) of bert,
 * who relays between anna (link A) and cleo (link C), and unreachable
 * reports addressed to him through their verification
 * (forward-unreachable.ts). Invariants: a forwarded packet goes to the
 * route's link, never back where it came from, with its hop limit one lower;
 * an unreachable bert builds verifies at its source; an unreachable bert
 * accepts names a certified relay; counters add up.
 */
import fc from 'fast-check';
import { sign } from '../../src/crypto/primitives.js';
import { Forwarder } from '../../src/dataplane/forwarding.js';
import { verifyUnreachable } from '../../src/dataplane/forward-unreachable.js';
import { fromHex } from '../../src/codec/codec.js';
import { encodePacket, readHeader } from '../../src/wire/packet.js';
import { PACKET_HOP_LIMIT_OFFSET, PacketType } from '../../src/wire/packet-constants.js';
import { cluster, FUZZ_NOW_MS } from '../fixtures/cluster.js';
import { joinMessages, splitMessages } from '../engine/messages.js';
import { type FuzzTarget, invariant, typed } from '../engine/target.js';

type Link = 'A' | 'C';
const LINKS: readonly Link[] = ['A', 'C'];

export function meshPacket(type: number, hopLimit: number, from: number, to: number, body: Uint8Array): Uint8Array {
  const m = cluster().members;
  return encodePacket({ type: type as 1, hopLimit, source: m[from]!.key.id, destination: m[to]!.key.id }, body);
}

export const meshForwardTarget: FuzzTarget = {
  name: 'mesh-forward',
  description: 'dataplane/forwarding.ts decide() on a relay, and verifyUnreachable() of reports delivered to it',
  maxInputBytes: 16 * 1024,
  run(input) {
    const c = cluster();
    const [anna, bert, cleo] = c.members;
    const routes = new Map<string, Link>([[anna!.key.idText, 'A'], [cleo!.key.idText, 'C']]);
    const keys = new Map(c.members.map((m) => [m.key.idText, m.key.signing.publicKey]));
    const fwd = new Forwarder<Link>({ localId: bert!.key.id, routeLookup: (d) => routes.get(d), sign: (b) => sign(b, bert!.key.signing.secretKey), nowMs: FUZZ_NOW_MS });
    const seen = new Set<string>();
    const messages = splitMessages(input, 16);
    messages.forEach((raw, i) => {
      const packet = raw.slice();
      const from = LINKS[i % 2]!;
      const hopBefore = packet[PACKET_HOP_LIMIT_OFFSET];
      const o = typed(() => {
        const d = fwd.decide(packet, from, FUZZ_NOW_MS + i);
        if (d.action === 'forward') {
          invariant(d.nextHop !== from, 'forwarded a packet back over the link it came in on');
          invariant(packet[PACKET_HOP_LIMIT_OFFSET] === hopBefore! - 1, 'forwarded without decrementing the hop limit');
          invariant(readHeader(packet).hopLimit >= 1, `forwarded with hop limit ${readHeader(packet).hopLimit}`);
          return 'forward';
        }
        if (d.action === 'drop') {
          if (d.unreachable !== undefined) {
            const u = d.unreachable;
            const sourceIdText = [...routes].find(([, l]) => l === u.nextHop)![0];
            const back = verifyUnreachable(u.bytes, fromHex(sourceIdText), (id) => keys.get(id));
            invariant(back.ok, `the unreachable we built does not verify at its source: ${back.ok ? '' : back.detail}`);
          }
          return `drop:${d.reason}${d.unreachable ? '+unreachable' : ''}`;
        }
        if (d.type === PacketType.UNREACHABLE) {
          const v = verifyUnreachable(packet, bert!.key.id, (id) => keys.get(id));
          if (v.ok) invariant(keys.has(v.report.relay), `accepted an unreachable from ${v.report.relay}, not a member`);
          return `deliver:unreachable:${v.ok ? 'ok' : v.reason}`;
        }
        return `deliver:${d.type}`;
      });
      seen.add(o);
    });
    const k = fwd.counters;
    const drops = Object.values(k.drops).reduce((a, b) => a + b, 0);
    invariant(k.delivered + k.forwarded + drops <= messages.length, `counters exceed the packets: ${JSON.stringify(k)}`);
    return [...seen].sort().join(',');
  },
  generator: fc.array(fc.record({
    type: fc.integer({ min: 0, max: 5 }), hop: fc.integer({ min: 0, max: 255 }),
    from: fc.integer({ min: 0, max: 3 }), to: fc.integer({ min: 0, max: 3 }), body: fc.uint8Array({ maxLength: 120 }),
  }), { minLength: 1, maxLength: 6 }).map((ps) => joinMessages(ps.map((p) => {
    try {
      return meshPacket(p.type, p.hop, p.from, p.to, p.body);
    } catch {
      return p.body;
    }
  }))),
};
