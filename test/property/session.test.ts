/**
 * Properties of the session layer under arbitrary input: the replay window
 * against a naive reference, and the manager, the forwarder and the
 * unreachable check fed random and mutated packets: no throw, no delivery of
 * anything altered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { REPLAY_WINDOW, ReplayWindow } from '../../src/session/replay-window.js';
import { Forwarder } from '../../src/dataplane/forwarding.js';
import { verifyUnreachable } from '../../src/dataplane/forward-unreachable.js';
import { BODY_BOUNDS, PACKET_HOP_LIMIT_OFFSET, PacketType, type PacketTypeNumber } from '../../src/wire/packet-constants.js';
import { encodePacket } from '../../src/wire/packet.js';
import { NODE_A, NODE_B, establishedPair } from '../unit/session-fixtures.js';

const RUNS = 10_000;

test('replay window agrees with a naive reference (set of seen counters + highest) on random sequences', () => {
  const limit = 1_000_000;
  // Counters mostly near the top of the window, sometimes far ahead or far behind.
  const step = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: -REPLAY_WINDOW - 40, max: 40 }) },
    { weight: 1, arbitrary: fc.integer({ min: -100_000, max: 100_000 }) },
  );
  fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 300 }), (steps) => {
    const w = new ReplayWindow(limit);
    const seen = new Set<number>();
    let highest = -1;
    let base = 50_000;
    for (const s of steps) {
      const c = Math.max(0, Math.min(limit + 5, base + s));
      const expected = c < limit && !seen.has(c) && (c > highest || highest - c <= REPLAY_WINDOW);
      assert.equal(w.accept(c), expected, `counter ${c} (highest ${highest})`);
      if (expected) {
        seen.add(c);
        highest = Math.max(highest, c);
      }
      base = Math.max(base, highest);
    }
  }), { numRuns: 2_000 });
});

const sessionTypes = [PacketType.DATA, PacketType.HANDSHAKE_INIT, PacketType.HANDSHAKE_RESPONSE] as const;

test(`session manager: ${RUNS} random packets (raw, or with a valid header to us) never throw and never deliver`, () => {
  const mesh = establishedPair();
  const b = mesh.station(NODE_B);
  const headed = fc.tuple(fc.constantFrom(...sessionTypes), fc.nat({ max: 255 }), fc.nat({ max: 300 }), fc.nat())
    .map(([t, hopLimit, extra, seed]) => {
      const [min, max] = BODY_BOUNDS[t as PacketTypeNumber];
      const body = new Uint8Array(Math.min(max, min + extra));
      for (let i = 0; i < body.byteLength; i++) body[i] = (seed * (i + 7) * 2654435761) >>> 24;
      return encodePacket({ type: t, hopLimit, source: NODE_A.identity.id, destination: NODE_B.identity.id }, body);
    });
  fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 400 }), headed), (bytes) => {
    mesh.advance(1_000); // keep the handshake rate limit from hiding the checks behind it
    const r = b.mgr.receive(bytes, mesh.now);
    assert.equal(r.deliver, undefined);
    assert.ok(r.drop !== undefined);
  }), { numRuns: RUNS });
  const drops = b.mgr.counters().drops;
  assert.ok(drops.malformed > 0 && drops['handshake-failed'] > 0 && drops['unknown-session'] > 0, JSON.stringify(drops));
});

test('sealed DATA with random bytes changed: delivered only if nothing but the hop limit changed, and then intact', () => {
  const mesh = establishedPair();
  const b = mesh.station(NODE_B);
  const edit = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 });
  fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 100 }), edit, (plaintext, edits) => {
    const original = mesh.station(NODE_A).mgr.send(NODE_B.identity.idText, plaintext, mesh.now).send[0]!.bytes;
    const bytes = new Uint8Array(original);
    for (const [at, x] of edits) bytes[at % bytes.byteLength]! ^= x;
    const changed = [...bytes.keys()].filter((i) => bytes[i] !== original[i]);
    const onlyHopLimit = changed.every((i) => i === PACKET_HOP_LIMIT_OFFSET);
    const got = b.mgr.receive(bytes, mesh.now);
    if (onlyHopLimit) {
      assert.ok(got.deliver, 'the hop limit is the one byte relays may change');
      assert.deepEqual([...got.deliver.plaintext], [...plaintext]);
    } else {
      assert.equal(got.deliver, undefined, `delivered after changing bytes ${changed}`);
    }
  }), { numRuns: 3_000 });
});

test('handshake packets with random bytes changed never establish anything', () => {
  const mesh = establishedPair();
  const b = mesh.station(NODE_B);
  const a = mesh.station(NODE_A);
  fc.assert(fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (at, x) => {
    mesh.advance(1_000);
    const r = a.mgr.refresh(NODE_B.identity.idText, mesh.now); // a fresh init from A
    const init = new Uint8Array(r.send[0]!.bytes);
    const i = at % init.byteLength;
    init[i]! ^= x;
    const got = b.mgr.receive(init, mesh.now);
    if (i === PACKET_HOP_LIMIT_OFFSET) assert.equal(got.send.length, 1);
    else assert.equal(got.send.length, 0, `init with byte ${i} changed was answered`);
    assert.equal(got.events.length, 0);
  }), { numRuns: 500 });
});

test(`forwarder and unreachable check: ${RUNS} random packets never throw`, () => {
  const f = new Forwarder<string>({ localId: NODE_B.identity.id, routeLookup: () => 'l1', sign: () => new Uint8Array(64), nowMs: 0 });
  const key = (): Uint8Array => NODE_A.identity.publicKey;
  const headed = fc.tuple(fc.constantFrom(...(Object.values(PacketType) as PacketTypeNumber[])), fc.uint8Array({ maxLength: 200 }), fc.boolean())
    .map(([t, body, toB]) => {
      const [min, max] = BODY_BOUNDS[t];
      const sized = new Uint8Array(Math.min(max, Math.max(min, body.byteLength)));
      sized.set(body.subarray(0, sized.byteLength));
      return encodePacket({ type: t, hopLimit: body[0] ?? 3, source: NODE_A.identity.id, destination: toB ? NODE_B.identity.id : NODE_A.identity.id }, sized);
    });
  fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), headed), (bytes) => {
    const d = f.decide(new Uint8Array(bytes), 'l0', 0);
    assert.ok(['deliver', 'forward', 'drop'].includes(d.action));
    const c = verifyUnreachable(bytes, NODE_B.identity.id, key);
    assert.ok(!c.ok);
  }), { numRuns: RUNS });
});
