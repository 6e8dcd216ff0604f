/** The listener's admission: per-source limits, known addresses first, idle strangers evicted (manual time). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AcceptGate, acceptGateConfig, INITIATED_EVICTABLE_AFTER_MS, MAX_ACCEPT_SOURCES } from '../../src/link/accept-gate.js';

interface Conn { initiated: boolean }

function gate(maxPending = 4, perSource = 2, acceptsPerSecond = 100, unkeyed = 1) {
  return new AcceptGate<Conn>(acceptGateConfig(maxPending, perSource, acceptsPerSecond, unkeyed), (c) => c.initiated, 0);
}

function admit(g: AcceptGate<Conn>, source: string, known: boolean, now: number, initiated = false) {
  const r = g.admit(source, known, now);
  if (r.admitted) r.ticket.value = { initiated };
  return r;
}

test('accept gate: one source gets at most maxPendingPerSource pending handshakes; released slots come back', () => {
  const g = gate(32, 2);
  const a = admit(g, 'fe80::a%eth0', false, 0);
  const b = admit(g, 'fe80::a%eth0', false, 0);
  const c = admit(g, 'fe80::a%eth0', false, 0);
  assert.ok(a.admitted && b.admitted);
  assert.deepEqual(c, { admitted: false, reason: 'source-pending' });
  assert.ok(admit(g, 'fe80::b%eth0', false, 0).admitted, 'another source is not affected');
  g.release(a.ticket);
  g.release(a.ticket); // idempotent
  assert.ok(admit(g, 'fe80::a%eth0', false, 0).admitted);
  assert.equal(g.counters.inboundRefusedSourcePending, 1);
});

test('accept gate: per-source accept rate (burst twice the rate, then the rate)', () => {
  const g = gate(1_000, 1_000, 2);
  const results = Array.from({ length: 6 }, () => admit(g, 'fe80::a%eth0', false, 0).admitted);
  assert.deepEqual(results, [true, true, true, true, false, false]);
  assert.equal(admit(g, 'fe80::a%eth0', false, 499).admitted, false);
  assert.equal(admit(g, 'fe80::a%eth0', false, 500).admitted, true);
});

test('accept gate: with every strangers\' slot held by idle connections, a newcomer evicts the longest-waiting idle one', () => {
  const g = gate(4, 1);
  const idle = [1, 2, 3, 4].map((i) => admit(g, `fe80::${i}%eth0`, false, i));
  assert.ok(idle.every((r) => r.admitted));
  const r = admit(g, 'fe80::99%eth0', false, 10);
  assert.ok(r.admitted);
  assert.equal(r.evicted, idle[0]!.admitted ? idle[0]!.ticket : undefined);
  assert.equal(g.pending, 4);
  assert.equal(g.counters.inboundEvicted, 1);
});

test('accept gate: initiated strangers are evicted only after INITIATED_EVICTABLE_AFTER_MS; before that a newcomer is refused busy', () => {
  const g = gate(2, 1);
  admit(g, 'fe80::1%eth0', false, 0, true);
  admit(g, 'fe80::2%eth0', false, 0, true);
  assert.deepEqual(admit(g, 'fe80::3%eth0', false, 10), { admitted: false, reason: 'busy' });
  const r = admit(g, 'fe80::4%eth0', false, INITIATED_EVICTABLE_AFTER_MS);
  assert.ok(r.admitted && r.evicted?.source === 'fe80::1%eth0');
});

test('accept gate: a known address is admitted when every strangers\' slot is full and none can be evicted', () => {
  const g = gate(2, 4);
  admit(g, 'fe80::1%eth0', false, 0, true);
  admit(g, 'fe80::2%eth0', false, 0, true);
  assert.equal(admit(g, 'fe80::3%eth0', false, 1).admitted, false);
  const known = admit(g, 'fe80::b%eth0', true, 1);
  assert.ok(known.admitted && known.evicted === undefined, 'the known neighbour needs no stranger to leave');
  assert.equal(g.pending, 3);
});

test('accept gate: unkeyed initiations: always for known addresses, for strangers within the shared budget; 0 = never', () => {
  const g = gate(100, 100, 100, 1);
  const tickets = Array.from({ length: 4 }, (_, i) => { const r = admit(g, `fe80::${i}%eth0`, false, 0); assert.ok(r.admitted); return r.ticket; });
  assert.deepEqual(tickets.map((t) => g.admitUnkeyed(t, 0)), [true, true, false, false]);
  const known = admit(g, 'fe80::b%eth0', true, 0);
  assert.ok(known.admitted && g.admitUnkeyed(known.ticket, 0));
  const never = gate(100, 100, 100, 0);
  const r = admit(never, 'fe80::1%eth0', false, 0);
  assert.ok(r.admitted && !never.admitUnkeyed(r.ticket, 10_000));
});

test('accept gate: 100,000 connections from rotating sources keep at most MAX_ACCEPT_SOURCES buckets and maxPending pending', () => {
  const g = gate(32, 4);
  for (let i = 0; i < 100_000; i++) admit(g, `fe80::${i.toString(16)}%eth0`, false, i);
  assert.ok(g.trackedSources <= MAX_ACCEPT_SOURCES, String(g.trackedSources));
  assert.equal(g.pending, 32);
});
