import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PendingPackets } from '../../src/dataplane/pending-packets.js';

const p = (n: number) => new Uint8Array([n]);
const LIMITS = { perAddress: 3, addresses: 2, holdMs: 1_000 };

function drain(q: PendingPackets, known: Record<string, string>, nowMs: number): Array<[string, number]> {
  const sent: Array<[string, number]> = [];
  q.release((a) => known[a], (dest, packet) => sent.push([dest, packet[0]!]), nowMs);
  return sent;
}

test('held packets go out in order once their address resolves; unresolved ones keep waiting', () => {
  const q = new PendingPackets(LIMITS);
  assert.equal(q.hold('a', p(1), 0), true);
  assert.equal(q.hold('b', p(2), 10), true);
  assert.equal(q.hold('a', p(3), 20), true);
  assert.deepEqual(drain(q, {}, 100), []);
  assert.equal(q.size, 2);
  assert.deepEqual(drain(q, { a: 'node-a' }, 200), [['node-a', 1], ['node-a', 3]]);
  assert.equal(q.size, 1);
  assert.deepEqual(drain(q, { a: 'node-a', b: 'node-b' }, 300), [['node-b', 2]]);
  assert.equal(q.size, 0);
  assert.deepEqual(q.counters, { held: 3, released: 3, overflowed: 0, expired: 0 });
});

test('bounded: the oldest packet to an address gives way, a new address beyond the limit is refused', () => {
  const q = new PendingPackets(LIMITS);
  for (let i = 1; i <= 5; i++) assert.equal(q.hold('a', p(i), i), true);
  assert.equal(q.hold('b', p(6), 6), true);
  assert.equal(q.hold('c', p(7), 7), false, 'every address slot taken');
  assert.deepEqual(drain(q, { a: 'A', b: 'B', c: 'C' }, 10), [['A', 3], ['A', 4], ['A', 5], ['B', 6]]);
  assert.equal(q.counters.overflowed, 3);
});

test('a packet that waited holdMs is dropped, never sent late', () => {
  const q = new PendingPackets(LIMITS);
  q.hold('a', p(1), 0);
  q.hold('a', p(2), 600);
  assert.deepEqual(drain(q, {}, 1_000), [], 'packet 1 expired, packet 2 still waits');
  assert.equal(q.counters.expired, 1);
  assert.deepEqual(drain(q, { a: 'A' }, 1_500), [['A', 2]]);
  q.hold('b', p(3), 2_000);
  assert.deepEqual(drain(q, { b: 'B' }, 3_000), []);
  assert.equal(q.size, 0, 'an address whose packets all expired is forgotten');
  assert.equal(q.counters.expired, 2);
});
