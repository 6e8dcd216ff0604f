/**
 * The per-origin record budget (src/routing/record-rate.ts): a start's or a
 * new link's few records pass at once, on acceptance and on origination,
 * while a storm from one origin is still held to one record per
 * minRecordArrivalMs. Virtual time throughout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Router } from '../../src/routing/router.js';
import { DEFAULT_ROUTING_OPTIONS, resolveRoutingOptions, type RoutingOptions } from '../../src/routing/options.js';
import { tokensAfter, waitForToken } from '../../src/routing/record-rate.js';
import { ErrorCodes, isSkeinError } from '../../src/util/errors.js';
import { IMMEDIATE, makeRouter, pkiFor, recordOf, T0, TinyMesh, update } from './routing-fixtures.js';

const pki = pkiFor(47);
const ids = ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => pki.issue(`burst-${n}`));
const { recordBurst, minRecordArrivalMs } = DEFAULT_ROUTING_OPTIONS;

test('the budget: a full bucket after a long or unknown gap, one record per refill after the burst, none for time going back', () => {
  const rate = { burst: 4, refillMs: 100 };
  assert.equal(tokensAfter(0, Infinity, rate), 4);
  assert.equal(tokensAfter(0, 50, rate), 0.5);
  assert.equal(tokensAfter(3, 1_000, rate), 4);
  assert.equal(tokensAfter(0.5, -500, rate), 0.5);
  assert.equal(tokensAfter(0, 0, { burst: 2, refillMs: 0 }), 2, 'refill 0: no limit');
  assert.equal(waitForToken(0.25, rate), 75);
  assert.equal(waitForToken(1, rate), 0);
});

test(`records of one origin issued back to back: the first ${recordBurst} are accepted, the next waits for ${minRecordArrivalMs} ms of issue time`, () => {
  const r = makeRouter(pki, ids[0]!, IMMEDIATE);
  const nb = ids[1]!;
  r.linkUp(nb.idText, T0, { cost: 1 });
  for (let seq = 1; seq <= recordBurst + 2; seq++) r.receive(nb.idText, update(recordOf(nb, { sequence: seq, issuedAtMs: T0 + seq })), T0 + seq);
  assert.equal(r.recordSequences().get(nb.idText), recordBurst);
  assert.equal(r.stats.rateLimited, 2, 'the two past the burst: not acknowledged, so resent later');
  const later = T0 + recordBurst + minRecordArrivalMs;
  r.receive(nb.idText, update(recordOf(nb, { sequence: 50, issuedAtMs: later })), later);
  assert.equal(r.recordSequences().get(nb.idText), 50, 'one token back after minRecordArrivalMs of issue time');
});

test('a record storm from one origin is still limited: 2,000 records 1 ms apart, at most the burst plus one per minRecordArrivalMs', () => {
  const r = makeRouter(pki, ids[0]!, IMMEDIATE);
  const nb = ids[1]!;
  r.linkUp(nb.idText, T0, { cost: 1 });
  const stormMs = 2_000;
  for (let i = 1; i <= stormMs; i++) r.receive(nb.idText, update(recordOf(nb, { sequence: i, issuedAtMs: T0 + i })), T0 + i);
  const allowed = recordBurst + stormMs / minRecordArrivalMs;
  assert.ok(r.stats.recordsAccepted <= allowed, `${r.stats.recordsAccepted} accepted, at most ${allowed}`);
  assert.ok(r.stats.recordsAccepted >= allowed - 1, `${r.stats.recordsAccepted} accepted: the steady rate still passes`);
  assert.equal(r.stats.rateLimited, stormMs - r.stats.recordsAccepted);
});

/** When `r` originates over a run of link changes: a change every `everyMs` from `fromMs` to `toMs` (ms after T0). */
function originationTimes(r: Router, nb: string, fromMs: number, toMs: number, everyMs: number): number[] {
  r.tick(T0); // the record made at start, with no links: it reaches no one and does not count
  const at: number[] = [];
  for (let t = fromMs; t <= toMs; t += everyMs) {
    const before = r.stats.originations;
    if (t === fromMs) r.linkUp(nb, T0 + t, { cost: 1 });
    else r.setLinkCost(nb, 2 + t, T0 + t);
    r.tick(T0 + t);
    if (r.stats.originations > before) at.push(t);
  }
  return at;
}

test('origination: the first originationBurst records go out at once; then the gap, doubling while changes keep coming', () => {
  const opts: Partial<RoutingOptions> = { ...IMMEDIATE, originationBackoffMs: 100, minOriginationIntervalMs: 1000, originationBurst: 3 };
  const at = originationTimes(makeRouter(pki, ids[0]!, opts), ids[1]!.idText, 10, 3_000, 2);
  assert.deepEqual(at.slice(0, 3), [10, 12, 14], 'the burst: back to back');
  assert.deepEqual(at.slice(3), [114, 314, 714, 1514, 2514], 'then gaps 100, 200, 400, 800, capped at 1000');
});

test('links coming up in the same millisecond: each record of ours takes a token, and no neighbour refuses one', () => {
  const m = new TinyMesh();
  // Messages leave at once (no pacing), so each record is sent before the next is made.
  const opts: Partial<RoutingOptions> = { ...IMMEDIATE, minOriginationIntervalMs: DEFAULT_ROUTING_OPTIONS.minOriginationIntervalMs };
  const [a, ...others] = ids.map((id) => m.add(makeRouter(pki, id, opts))) as [Router, ...Router[]];
  for (const x of [a, ...others]) m.handle(x.id, x.tick(m.now));
  const before = a.stats.originations;
  for (const o of others) m.connect(a, o);
  const atOnce = a.stats.originations - before;
  assert.equal(atOnce, DEFAULT_ROUTING_OPTIONS.originationBurst, `${others.length} links up at once: the burst goes out, the rest waits`);
  m.settle();
  assert.equal(others.reduce((sum, o) => sum + o.stats.rateLimited, 0), 0, 'no record of a refused as too soon');
  for (const o of others) assert.equal(o.recordSequences().get(a.id), a.recordSequences().get(a.id), 'every neighbour holds a\'s newest record');
});

/** A line a - b - c; b's second link comes up 20 ms after its first. When does a route to c? */
function lineStart(options: Partial<RoutingOptions>): number | undefined {
  const m = new TinyMesh();
  const [a, b, c] = ids.slice(0, 3).map((id) => m.add(makeRouter(pki, id, options))) as [Router, Router, Router];
  for (const x of [a, b, c]) m.handle(x.id, x.tick(m.now));
  m.connect(a, b);
  m.settle(20);
  m.now = T0 + 20;
  m.connect(b, c);
  for (let t = T0 + 20; t <= T0 + 5_000; t += 1) {
    m.now = Math.max(m.now, t);
    m.settle(0);
    for (const x of [a, b, c]) m.handle(x.id, x.tick(m.now));
    if (a.route(c.id) !== undefined && c.route(a.id) !== undefined) return m.now - T0;
  }
  return undefined;
}

test('a start: a relay whose two links come up 20 ms apart is routed through at once (without a burst, minRecordArrivalMs after the first)', () => {
  const withBurst = lineStart({});
  const without = lineStart({ recordBurst: 1, originationBurst: 1 });
  assert.ok(withBurst !== undefined && withBurst <= 20 + DEFAULT_ROUTING_OPTIONS.spfDelayMs * 2 + DEFAULT_ROUTING_OPTIONS.floodPacingMs, `routes both ways ${withBurst} ms after the start`);
  assert.ok(without !== undefined && without >= minRecordArrivalMs, `without a burst: ${without} ms`);
});

test('bursts are range-checked: originationBurst may not exceed recordBurst (neighbours would refuse our records)', () => {
  assert.throws(() => resolveRoutingOptions({ recordBurst: 2, originationBurst: 3 }), (e) => isSkeinError(e, ErrorCodes.CONFIG) && /originationBurst/.test(e.message));
  assert.throws(() => resolveRoutingOptions({ recordBurst: 0 }), (e) => isSkeinError(e, ErrorCodes.CONFIG) && /recordBurst/.test(e.message));
  assert.throws(() => resolveRoutingOptions({ originationBurst: 1.5 }), (e) => isSkeinError(e, ErrorCodes.CONFIG) && /originationBurst/.test(e.message));
});
