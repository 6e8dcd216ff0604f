/**
 * Mesh packets addressed to bert through his session manager
 * (session/manager.ts: handshake init -> IK responder with certificate
 * checks -> response; data -> index, replay window, AEAD). The session's
 * ephemeral keys are random, so a captured data packet cannot be replayed
 * into a new process: each execution first runs a genuine handshake from
 * anna (her init reaches bert, his response reaches her, she seals
 * SESSION_PLAINTEXTS), and an input message may name one of those sealed
 * packets (TEMPLATE_MARK, index, then an XOR mask over its bytes) instead of
 * carrying raw bytes; mutating the mask mutates a live packet.
 * Invariants: receive never throws; a delivery comes from anna and carries
 * one of the plaintexts she really sent (mutations cannot forge one); each
 * is delivered at most once; an established session names a certified
 * member; the peer table stays within its limit.
 */
import { resolveSessionLimits } from '../../src/session/limits.js';
import { cluster, FUZZ_NOW_MS } from '../fixtures/cluster.js';
import { SESSION_PLAINTEXTS, SESSION_SEED_INITIATOR, SESSION_SEED_RESPONDER, sessionManager } from '../fixtures/transcripts.js';
import { splitMessages } from '../engine/messages.js';
import type { SessionManager } from '../../src/session/manager.js';
import { describe, Finding, type FuzzTarget, invariant } from '../engine/target.js';

const GENUINE = new Set(SESSION_PLAINTEXTS);
const PACKET_GAP_MS = 5;
export const TEMPLATE_MARK = 0xfe;

/** anna's live packets to bert after a genuine handshake (bert has answered her init). */
function liveSession(now: number): { mgr: SessionManager; sealed: Uint8Array[] } {
  const [anna, bert] = cluster().members;
  const a = sessionManager(anna!, SESSION_SEED_INITIATOR, now);
  const b = sessionManager(bert!, SESSION_SEED_RESPONDER, now);
  const sealed: Uint8Array[] = [];
  const init = a.send(bert!.key.idText, new TextEncoder().encode(SESSION_PLAINTEXTS[0]!), now).send[0]!.bytes;
  const response = b.receive(new Uint8Array(init), now).send[0]!.bytes;
  for (const p of a.receive(new Uint8Array(response), now).send) sealed.push(new Uint8Array(p.bytes));
  for (const text of SESSION_PLAINTEXTS.slice(1)) {
    for (const p of a.send(bert!.key.idText, new TextEncoder().encode(text), now).send) sealed.push(new Uint8Array(p.bytes));
  }
  return { mgr: b, sealed };
}

/** The packet an input message stands for: a live packet with a mask applied, or the raw bytes. */
function packetFor(m: Uint8Array, sealed: readonly Uint8Array[]): Uint8Array {
  if (m.byteLength < 2 || m[0] !== TEMPLATE_MARK) return m;
  const out = sealed[m[1]! % sealed.length]!.slice();
  const mask = m.subarray(2);
  for (let i = 0; i < mask.byteLength && i < out.byteLength; i++) out[i]! ^= mask[i]!;
  return out;
}

export function templateMessage(index: number, mask: Uint8Array = new Uint8Array(0)): Uint8Array {
  return Uint8Array.from([TEMPLATE_MARK, index, ...mask]);
}

export const sessionTarget: FuzzTarget = {
  name: 'session',
  description: 'session/manager.ts receive(): handshake inits and data packets for a responder with real certificates',
  maxInputBytes: 32 * 1024,
  run(input) {
    const c = cluster();
    const anna = c.members[0];
    let now = FUZZ_NOW_MS;
    const { mgr, sealed } = liveSession(now);
    const limit = resolveSessionLimits().maxPeers;
    const delivered = new Set<string>();
    const seen = new Set<string>();
    for (const m of splitMessages(input, 16)) {
      now += PACKET_GAP_MS;
      let r;
      try {
        r = mgr.receive(packetFor(m, sealed), now);
      } catch (err) {
        throw new Finding('untyped-throw', `SessionManager.receive threw ${describe(err)}`, { cause: err });
      }
      if (r.deliver !== undefined) {
        const text = new TextDecoder().decode(r.deliver.plaintext);
        invariant(r.deliver.from.idText === anna!.key.idText, `delivered a packet as from ${r.deliver.from.idText}`);
        invariant(GENUINE.has(text), `delivered a plaintext anna never sent (${r.deliver.plaintext.byteLength} bytes)`);
        invariant(!delivered.has(text), 'delivered the same datagram twice (replay)');
        delivered.add(text);
        seen.add('deliver');
      }
      if (r.drop !== undefined) seen.add(`drop:${r.drop.reason}`);
      for (const e of r.events) {
        if (e.type === 'established') invariant(c.members.some((m) => m.key.idText === e.peer.idText), `a session with uncertified ${e.peer.idText}`);
        seen.add(e.type);
      }
      if (r.send.length > 0) seen.add('send');
    }
    mgr.tick(now + 1_000);
    invariant(mgr.peers(now).length <= limit, `${mgr.peers(now).length} peers above the limit ${limit}`);
    return [...seen].sort().join(',') || 'nothing';
  },
};
