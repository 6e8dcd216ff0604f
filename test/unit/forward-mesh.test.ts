/**
 * Forwarders and session managers wired together as the daemon will wire
 * them, over a 4-node line A - B - C - D of in-memory links, on an explicit
 * clock: end-to-end sessions across 3 hops, a hop-by-hop trace from signed
 * hop-limit-exceeded reports, and a hostile middle relay.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Forwarder } from '../../src/dataplane/forwarding.js';
import { type UnreachableReport, verifyUnreachable } from '../../src/dataplane/forward-unreachable.js';
import { sign } from '../../src/crypto/primitives.js';
import type { SessionManager } from '../../src/session/manager.js';
import type { SessionResult } from '../../src/session/types.js';
import { DATA_CIPHERTEXT_OFFSET, DEFAULT_HOP_LIMIT, PACKET_TYPE_OFFSET, PacketType } from '../../src/wire/packet-constants.js';
import { probeKey, readHeader } from '../../src/wire/packet.js';
import { decodeSessionPayload, echoReplyFor, encodeSessionPayload, hopsTravelled } from '../../src/wire/session-payload.js';
import { TEST_CA, type TestNode, makeTestNode } from './link-fixtures.js';
import { NODE_A, NODE_B, NODE_C, T0, directoryOf, makeManager } from './session-fixtures.js';

const NODE_D = makeTestNode('dora', 44, TEST_CA);
const LINE = [NODE_A, NODE_B, NODE_C, NODE_D];

interface Hop {
  node: TestNode;
  fwd: Forwarder<string>;
  mgr: SessionManager;
  delivered: string[];
  /** Raw plaintexts, with the hop limit they arrived with. */
  raw: Array<{ from: string; plaintext: Uint8Array; hopLimit: number }>;
  hopLimits: number[];
  reports: UnreachableReport[];
  drops: string[];
}

interface InFlight {
  to: number;
  link: string;
  bytes: Uint8Array;
}

/** Link names: 'A-B', 'B-C', 'C-D' (by position in the line). */
function linkName(i: number, j: number): string {
  const [lo, hi] = i < j ? [i, j] : [j, i];
  return `${'ABCD'[lo]}-${'ABCD'[hi]}`;
}

class Line {
  now = T0;
  readonly hops: Hop[];
  readonly queue: InFlight[] = [];
  readonly seenOn = new Map<string, Uint8Array[]>();
  readonly cut = new Set<string>();
  /** A hostile relay's hands on a link: return the bytes to pass on (possibly several), or none. */
  onLink: (link: string, bytes: Uint8Array) => Uint8Array[] = (_, b) => [b];

  constructor() {
    const dir = directoryOf(LINE);
    this.hops = LINE.map((node, i) => ({
      node,
      fwd: new Forwarder<string>({
        localId: node.identity.id,
        routeLookup: (dest) => this.route(i, dest),
        sign: (m) => sign(m, node.signing.secretKey),
        nowMs: this.now,
      }),
      mgr: makeManager(node, dir, this.now),
      delivered: [], raw: [], hopLimits: [], reports: [], drops: [],
    }));
  }

  private route(i: number, dest: string): string | undefined {
    const j = LINE.findIndex((n) => n.identity.idText === dest);
    if (j < 0 || j === i) return undefined;
    const next = j > i ? i + 1 : i - 1;
    const link = linkName(i, next);
    return this.cut.has(link) ? undefined : link;
  }

  private transmit(from: number, link: string, bytes: Uint8Array): void {
    const [x, y] = link.split('-').map((c) => 'ABCD'.indexOf(c)) as [number, number];
    const to = from === x ? y : x;
    const copies = this.onLink(link, bytes);
    for (const b of copies) {
      this.seenOn.set(link, [...(this.seenOn.get(link) ?? []), new Uint8Array(b)]);
      this.queue.push({ to, link, bytes: b });
    }
  }

  /** What a session manager returned at node i: originate its packets, record the rest. */
  handle(i: number, r: SessionResult): void {
    const hop = this.hops[i]!;
    if (r.deliver) {
      hop.delivered.push(new TextDecoder().decode(r.deliver.plaintext));
      hop.hopLimits.push(r.deliver.hopLimit);
      hop.raw.push({ from: r.deliver.from.idText, plaintext: new Uint8Array(r.deliver.plaintext), hopLimit: r.deliver.hopLimit });
    }
    if (r.drop) hop.drops.push(r.drop.reason);
    for (const p of r.send) {
      const d = hop.fwd.originate(p.to, p.bytes[PACKET_TYPE_OFFSET]!);
      if (d.action === 'forward') this.transmit(i, d.nextHop, p.bytes);
    }
  }

  send(from: TestNode, to: TestNode, text: string | Uint8Array, hopLimit = DEFAULT_HOP_LIMIT): Uint8Array[] {
    const i = LINE.indexOf(from);
    const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
    const r = this.hops[i]!.mgr.send(to.identity.idText, bytes, this.now, { hopLimit });
    this.handle(i, r);
    return r.send.map((p) => p.bytes);
  }

  pump(): void {
    for (let steps = 0; steps < 1000 && this.queue.length > 0; steps++) {
      const { to, link, bytes } = this.queue.shift()!;
      const hop = this.hops[to]!;
      const d = hop.fwd.decide(bytes, link, this.now);
      if (d.action === 'forward') this.transmit(to, d.nextHop, bytes);
      else if (d.action === 'drop') {
        hop.drops.push(`forward:${d.reason}`);
        if (d.unreachable) this.transmit(to, d.unreachable.nextHop, d.unreachable.bytes);
      } else if (d.type === PacketType.UNREACHABLE) {
        const check = verifyUnreachable(bytes, hop.node.identity.id, (id) => LINE.find((n) => n.identity.idText === id)?.identity.publicKey);
        if (check.ok) hop.reports.push(check.report);
        else hop.drops.push(`unreachable:${check.reason}`);
      } else {
        this.handle(to, hop.mgr.receive(bytes, this.now));
      }
    }
    assert.equal(this.queue.length, 0);
  }

  at(node: TestNode): Hop {
    return this.hops[LINE.indexOf(node)]!;
  }
}

function established(): Line {
  const line = new Line();
  line.send(NODE_A, NODE_D, 'hello across three hops');
  line.pump();
  assert.deepEqual(line.at(NODE_D).delivered, ['hello across three hops']);
  return line;
}

test('4-node line: a session from the first to the last node across 3 hops, both ways', () => {
  const line = established();
  assert.deepEqual(line.at(NODE_D).hopLimits, [DEFAULT_HOP_LIMIT - 2], 'two relays decremented it: 3 hops');
  line.send(NODE_D, NODE_A, 'pong');
  line.pump();
  assert.deepEqual(line.at(NODE_A).delivered, ['pong']);
  assert.equal(line.at(NODE_B).fwd.counters.forwarded, 4, 'init, response, hello, pong');
  assert.equal(line.at(NODE_B).mgr.counters().handshakesInitiated + line.at(NODE_B).mgr.counters().handshakesResponded, 0, 'relays hold no sessions');
});

test('mesh ping: an echo through the session reports 3 hops each way', () => {
  const line = established();
  const request = { kind: 'echo-request', id: 9, seq: 1, sentAtMicros: 123, hopLimit: DEFAULT_HOP_LIMIT, padding: new Uint8Array(8) } as const;
  line.send(NODE_A, NODE_D, encodeSessionPayload(request));
  line.pump();
  const got = line.at(NODE_D).raw.at(-1)!;
  const decoded = decodeSessionPayload(got.plaintext);
  assert.equal(decoded.kind, 'echo-request');
  line.send(NODE_D, NODE_A, echoReplyFor(decoded as typeof request, got.hopLimit, DEFAULT_HOP_LIMIT));
  line.pump();
  const back = line.at(NODE_A).raw.at(-1)!;
  const reply = decodeSessionPayload(back.plaintext);
  assert.ok(reply.kind === 'echo-reply');
  assert.deepEqual([reply.id, reply.seq, reply.sentAtMicros, reply.requestHops], [9, 1, 123, 3]);
  assert.equal(hopsTravelled(reply.hopLimit, back.hopLimit), 3);
});

test('trace: probes with hop limits 1, 2, 3 are answered by B and C (signed, verified) and then by D itself', () => {
  const line = established();
  const a = line.at(NODE_A);
  const probes = [1, 2, 3].map((h) => line.send(NODE_A, NODE_D, `probe ${h}`, h)[0]!);
  line.pump();
  assert.deepEqual(a.reports.map((r) => [r.relay, r.reason]), [
    [NODE_B.identity.idText, 'hop-limit-exceeded'],
    [NODE_C.identity.idText, 'hop-limit-exceeded'],
  ]);
  assert.deepEqual(a.reports.map((r) => r.probeKey), [probeKey(probes[0]!), probeKey(probes[1]!)]);
  assert.deepEqual(line.at(NODE_D).delivered.slice(1), ['probe 3']);
  assert.deepEqual(line.at(NODE_D).hopLimits.slice(1), [1]);
});

test('a cut link: the relay before it reports no-route to the source', () => {
  const line = established();
  line.cut.add('C-D');
  line.send(NODE_A, NODE_D, 'into the cut');
  line.pump();
  assert.deepEqual(line.at(NODE_A).reports.map((r) => [r.relay, r.reason]), [[NODE_C.identity.idText, 'no-route']]);
  assert.equal(line.at(NODE_C).fwd.counters.drops['no-route'], 1);
});

test('a hostile middle relay: a flipped byte is an authentication failure at D, a replay is dropped, plaintext never shows', () => {
  const line = established();
  line.onLink = (link, bytes) => {
    if (link === 'B-C' && readHeader(bytes).type === PacketType.DATA) bytes[DATA_CIPHERTEXT_OFFSET + 3]! ^= 0x40; // B flips a bit
    return [bytes];
  };
  line.send(NODE_A, NODE_D, 'secret one');
  line.pump();
  assert.equal(line.at(NODE_C).fwd.counters.forwarded > 0, true, 'C cannot tell: it forwards what B handed it');
  assert.equal(line.at(NODE_D).mgr.counters().drops['auth-failed'], 1);
  line.onLink = (link, bytes) => (link === 'B-C' ? [bytes, new Uint8Array(bytes)] : [bytes]); // B duplicates everything
  line.send(NODE_A, NODE_D, 'secret two');
  line.pump();
  assert.deepEqual(line.at(NODE_D).delivered, ['hello across three hops', 'secret two']);
  assert.equal(line.at(NODE_D).mgr.counters().drops.replay, 1);
  const middle = Buffer.concat(line.seenOn.get('B-C') ?? []);
  for (const secret of ['secret', 'hello across', 'anna', 'dora']) assert.equal(middle.indexOf(Buffer.from(secret)), -1, secret);
});
