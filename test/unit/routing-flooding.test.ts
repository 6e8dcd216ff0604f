import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Router } from '../../src/routing/router.js';
import { DEFAULT_ROUTING_OPTIONS } from '../../src/routing/options.js';
import { decodeRoutingMessage } from '../../src/wire/routing-message.js';
import { IMMEDIATE, makeRouter, pkiFor, recordOf, recordsSentTo, sendsTo, T0, TinyMesh, update } from './routing-fixtures.js';

const pki = pkiFor(31);
const ids = ['a', 'b', 'c', 'd', 'e'].map((n) => pki.issue(`node-${n}`));

function mesh(count: number, options = IMMEDIATE): { m: TinyMesh; r: Router[] } {
  const m = new TinyMesh();
  const r = ids.slice(0, count).map((id) => m.add(makeRouter(pki, id, options)));
  return { m, r };
}

test('a new link starts with a summary exchange: two converged halves catch up at once', () => {
  const { m, r } = mesh(4);
  const [a, b, c, d] = r as [Router, Router, Router, Router];
  m.connect(a, b);
  m.connect(c, d);
  m.settle();
  assert.equal(a.recordSequences().size, 2);
  const before = m.delivered;
  m.connect(b, c);
  m.settle();
  for (const x of r) assert.equal(x.routes().size, 3, `${x.id} reaches all`);
  assert.equal(a.route(d.id)?.hops, 3);
  assert.ok(m.delivered - before < 40, `${m.delivered - before} messages to merge`);
});

test('a summary makes the neighbour push exactly what we lack', () => {
  const { m, r } = mesh(3);
  const [a, b, c] = r as [Router, Router, Router];
  m.connect(a, b);
  m.settle();
  const bOut = b.linkUp(c.id, m.now, { cost: 1 });
  const summary = sendsTo(bOut, c.id).find((msg) => msg.type === 'summary');
  assert.ok(summary?.type === 'summary');
  assert.deepEqual(summary.records.map((e) => e.id).sort(), [a.id, b.id].sort());
  const cOut = c.linkUp(b.id, m.now, { cost: 1 });
  const summaryBytes = bOut.find((x) => x.type === 'send' && x.to === c.id && decodeRoutingMessage(x.bytes).type === 'summary');
  assert.ok(summaryBytes?.type === 'send');
  const pushed = [...recordsSentTo(cOut, b.id), ...recordsSentTo(c.receive(b.id, summaryBytes.bytes, m.now), b.id)];
  assert.deepEqual(pushed.map((p) => p.origin), [c.id], 'c pushes its own record, the only one b lacks, once (already in flight: not again for the summary)');
});

test('lost updates are retransmitted until acknowledged', () => {
  const opts = { ...IMMEDIATE, retransmitIntervalMs: 2000 };
  const a = makeRouter(pki, ids[0]!, opts);
  const b = makeRouter(pki, ids[1]!, opts);
  a.linkUp(b.id, T0, { cost: 1 });
  b.linkUp(a.id, T0, { cost: 1 });
  const first = a.tick(T0);
  assert.ok(recordsSentTo(first, b.id).length >= 0);
  // Everything a sends is lost; after the interval it is sent again.
  assert.deepEqual(recordsSentTo(a.tick(T0 + 1999), b.id), []);
  const again = a.tick(T0 + 2000);
  const resent = recordsSentTo(again, b.id);
  assert.deepEqual(resent.map((x) => x.origin), [a.id]);
  assert.ok(a.stats.retransmissions >= 1);
  // Delivered this time: b acks, and a stops.
  for (const s of again) if (s.type === 'send') for (const back of b.receive(a.id, s.bytes, T0 + 2001)) if (back.type === 'send') a.receive(b.id, back.bytes, T0 + 2002);
  assert.deepEqual(recordsSentTo(a.tick(T0 + 10_000), b.id), []);
});

test('records past the per-neighbour rate are not acknowledged, so the sender resends them later', () => {
  const r = makeRouter(pki, ids[0]!, { ...IMMEDIATE, neighbourRecordRate: { perSecond: 1, burst: 2 } });
  const [nb, x, y, z] = [ids[1]!, ids[2]!, ids[3]!, ids[4]!];
  r.linkUp(nb.idText, T0, { cost: 1 });
  const recs = [nb, x, y, z].map((who) => recordOf(who, { sequence: 1 }));
  const out = r.receive(nb.idText, update(...recs), T0);
  assert.equal(r.recordSequences().size, 3, 'self + 2 within the burst');
  assert.equal(r.stats.rateLimited, 2);
  const acked = sendsTo(out, nb.idText).flatMap((msg) => (msg.type === 'ack' ? msg.records.map((e) => e.id) : []));
  assert.equal(acked.length, 2);
  r.receive(nb.idText, update(...recs), T0 + 5_000);
  assert.equal(r.recordSequences().size, 5);
});

test('records of one origin issued closer together than minRecordArrivalMs wait for the resend (no burst)', () => {
  const r = makeRouter(pki, ids[0]!, { ...IMMEDIATE, minRecordArrivalMs: 100, recordBurst: 1, originationBurst: 1 });
  const nb = ids[1]!;
  r.linkUp(nb.idText, T0, { cost: 1 });
  r.receive(nb.idText, update(recordOf(nb, { sequence: 1, issuedAtMs: T0 })), T0);
  r.receive(nb.idText, update(recordOf(nb, { sequence: 2, issuedAtMs: T0 + 50 })), T0 + 50);
  assert.equal(r.recordSequences().get(nb.idText), 1);
  r.receive(nb.idText, update(recordOf(nb, { sequence: 3, issuedAtMs: T0 + 150 })), T0 + 150);
  assert.equal(r.recordSequences().get(nb.idText), 3);
});

test('origination (no burst): a link change is flooded at once when quiet; while changes keep coming the gap doubles up to the interval; quiet resets it', () => {
  const r = makeRouter(pki, ids[0]!, { ...IMMEDIATE, originationHoldMs: 0, originationBackoffMs: 100, minOriginationIntervalMs: 1000, originationBurst: 1 });
  const nb = ids[1]!.idText;
  r.tick(T0); // the record made at start, with no links: it reaches no one and does not count
  const at: number[] = [];
  const step = (t: number, act: () => void) => {
    const before = r.stats.originations;
    act();
    if (r.stats.originations > before) at.push(t - T0);
  };
  step(T0 + 10, () => r.linkUp(nb, T0 + 10, { cost: 1 }));
  assert.deepEqual(at, [10], 'the first change is originated in the same step');
  for (let t = T0 + 20; t <= T0 + 3000; t += 10) step(t, () => r.setLinkCost(nb, 4 + (t - T0) / 10, t));
  assert.deepEqual(at, [10, 110, 310, 710, 1510, 2510], 'gaps 100, 200, 400, 800, then capped at 1000');
  step(T0 + 6000, () => r.setLinkCost(nb, 1, T0 + 6000));
  step(T0 + 6050, () => r.setLinkCost(nb, 2, T0 + 6050));
  step(T0 + 6100, () => r.setLinkCost(nb, 3, T0 + 6100));
  assert.deepEqual(at.slice(6), [6000, 6100], 'after a quiet spell: at once, then the first gap again');
});

test('origination (no burst): a record that never left (made with no links) does not delay the next; one that left does, by the gap', () => {
  const r = makeRouter(pki, ids[0]!, { ...IMMEDIATE, originationHoldMs: 0, originationBackoffMs: 100, minOriginationIntervalMs: 1000, originationBurst: 1 });
  const nb = ids[1]!.idText;
  r.tick(T0);
  const before = r.stats.originations;
  r.linkUp(nb, T0 + 20, { cost: 1 });
  assert.equal(r.stats.originations, before + 1, 'the start record was never sent: a new one at once');
  r.linkDown(nb, T0 + 130);
  assert.equal(r.stats.originations, before + 2, 'gap over: a record with no links, at once; it reaches no one');
  r.linkUp(nb, T0 + 140, { cost: 1 });
  assert.equal(r.stats.originations, before + 3, 'the unsent one does not hold the next back');
  r.setLinkCost(nb, 5, T0 + 150);
  assert.equal(r.stats.originations, before + 3, 'the one sent at 140 does: 200 ms (doubled: back-to-back)');
  r.tick(T0 + 339);
  assert.equal(r.stats.originations, before + 3);
  r.tick(T0 + 340);
  assert.equal(r.stats.originations, before + 4);
});

for (const hold of [0, 30]) test(`flapping links (default timers, origination hold ${hold} ms): a neighbour never refuses one of our records as too soon after the last`, () => {
  let seed = 12345;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
  const m = new TinyMesh();
  const [a, b, c] = ids.slice(0, 3).map((id) => m.add(makeRouter(pki, id, { originationHoldMs: hold }))) as [Router, Router, Router];
  for (const x of [a, b, c]) m.handle(x.id, x.tick(m.now));
  const up = new Set<string>();
  for (let i = 0; i < 400; i++) {
    m.now += 1 + rnd(120);
    const other = rnd(2) === 0 ? b : c;
    if (up.has(other.id)) { m.disconnect(a, other); up.delete(other.id); } else { m.connect(a, other); up.add(other.id); }
    m.settle(rnd(60));
  }
  m.settle();
  assert.ok(a.stats.originations >= 20, `${a.stats.originations} originations`);
  assert.equal(b.stats.rateLimited + c.stats.rateLimited, 0, 'no record of a refused as too soon');
});

test('flooding: a change reaches a quiet neighbour in the same step; more within floodPacingMs wait for the gap to end', () => {
  const r = makeRouter(pki, ids[0]!, { ...IMMEDIATE, floodPacingMs: 20 });
  const nb = ids[1]!;
  const first = r.linkUp(nb.idText, T0, { cost: 1 });
  assert.ok(sendsTo(first, nb.idText).some((m) => m.type === 'summary'), 'summary sent at once on link up');
  assert.deepEqual(recordsSentTo(first, nb.idText).map((x) => x.origin), [ids[0]!.idText], 'and our new record with it');
  const within = r.receive(nb.idText, update(recordOf(nb, { sequence: 1, issuedAtMs: T0, neighbours: [{ id: ids[0]!.idText, cost: 1 }] })), T0 + 5);
  assert.deepEqual(sendsTo(within, nb.idText), [], 'the ack waits: last message 5 ms ago');
  assert.ok(within.some((a) => a.type === 'wake' && a.atMs === T0 + 20));
  assert.ok(sendsTo(r.tick(T0 + 20), nb.idText).some((m) => m.type === 'ack'), 'sent when the gap ends');
});

test('route computation: at once after a quiet spell, throttled while records keep arriving', () => {
  const r = makeRouter(pki, ids[0]!, { ...IMMEDIATE, spfDelayMs: 10, spfMaxHoldMs: 1000 });
  const nb = ids[1]!;
  r.linkUp(nb.idText, T0, { cost: 1 });
  r.receive(nb.idText, update(recordOf(nb, { sequence: 1, issuedAtMs: T0, neighbours: [{ id: ids[0]!.idText, cost: 1 }] })), T0 + 100);
  assert.equal(r.route(nb.idText)?.hops, 1, 'routed in the step the record arrived');
  r.receive(nb.idText, update(recordOf(ids[2]!, { sequence: 1, issuedAtMs: T0, neighbours: [{ id: nb.idText, cost: 1 }] })), T0 + 103);
  r.receive(nb.idText, update(recordOf(nb, { sequence: 2, issuedAtMs: T0 + 100, neighbours: [{ id: ids[0]!.idText, cost: 1 }, { id: ids[2]!.idText, cost: 1 }] })), T0 + 104);
  assert.equal(r.route(ids[2]!.idText), undefined, 'within the hold: not yet');
  r.tick(T0 + 110);
  assert.equal(r.route(ids[2]!.idText)?.hops, 2, 'computed when the hold ended');
});

test('route computation: a burst of spfBurst back-to-back changes is computed every spfDelayMs; beyond it the hold doubles up to spfMaxHoldMs', () => {
  const r = makeRouter(pki, ids[0]!, { ...IMMEDIATE, spfDelayMs: 5, spfMaxHoldMs: 1000, spfBurst: 8 });
  const nb = ids[1]!.idText;
  const at: number[] = [];
  for (let t = 0; t <= 3000; t++) {
    const before = r.stats.spfRuns;
    if (t === 0) r.linkUp(nb, T0, { cost: 1 });
    else r.setLinkCost(nb, 1 + (t % 2), T0 + t); // a change every ms
    if (r.stats.spfRuns > before) at.push(t);
  }
  const gaps = at.slice(1).map((t, i) => t - at[i]!);
  assert.deepEqual(gaps.slice(0, 8), [5, 5, 5, 5, 5, 5, 5, 5], 'the burst allowance: every spfDelayMs');
  assert.deepEqual(gaps.slice(8, 16), [10, 20, 40, 80, 160, 320, 640, 1000], 'then doubling, capped');
  assert.ok(at.length < 30, `${at.length} computations in 3 s of constant change`);
});

test('our record is refreshed before its lifetime ends; a record nobody refreshes expires', () => {
  const opts = { ...IMMEDIATE, lifetimeMs: 60_000, refreshIntervalMs: 20_000, minLifetimeMs: 10_000, unreachableGraceMs: 50_000 };
  const r = makeRouter(pki, ids[0]!, opts);
  const nb = ids[1]!;
  r.linkUp(nb.idText, T0, { cost: 1 });
  r.receive(nb.idText, update(recordOf(nb, { sequence: 1, lifetimeMs: 30_000, neighbours: [{ id: ids[0]!.idText, cost: 1 }] })), T0);
  const seq0 = r.lastSequence;
  r.tick(T0 + 20_000);
  assert.ok(r.lastSequence > seq0, 'refreshed');
  assert.ok(r.route(nb.idText));
  r.tick(T0 + 30_000);
  assert.equal(r.recordSequences().has(nb.idText), false);
  assert.equal(r.stats.expired, 1);
  assert.equal(r.route(nb.idText), undefined);
});

test('a restarted node that lost its sequence jumps above its old record and supersedes it', () => {
  const { m, r } = mesh(2);
  const [a, b] = r as [Router, Router];
  m.connect(a, b);
  m.settle();
  const oldSeq = b.recordSequences().get(a.id) ?? 0;
  // a's clock went back and its persisted sequence is gone: it would reuse smaller numbers.
  const a2 = makeRouter(pki, ids[0]!, IMMEDIATE);
  m.routers.set(a2.id, a2);
  m.now = T0 - 10_000;
  m.handle(a2.id, a2.tick(m.now));
  m.connect(a2, b);
  m.settle();
  assert.ok(a2.lastSequence > oldSeq, `${a2.lastSequence} > ${oldSeq}`);
  assert.equal(b.recordSequences().get(a2.id), a2.lastSequence);
  assert.ok(a2.stats.ownRecordConflicts >= 1);
});

test('defaults keep the refresh well inside the lifetime and the grace below it', () => {
  const o = DEFAULT_ROUTING_OPTIONS;
  assert.ok(o.refreshIntervalMs * 2 < o.lifetimeMs);
  assert.ok(o.unreachableGraceMs < o.lifetimeMs);
});
