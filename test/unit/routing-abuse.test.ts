/**
 * Routing abuse by a valid member (it holds a real certificate), each attack
 * run against one router in virtual time and shown failing: counted in
 * records accepted and re-flooded, bytes sent in summary replies, and the
 * route that stays where it was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RoutingAction } from '../../src/routing/actions.js';
import { DEFAULT_ROUTING_OPTIONS } from '../../src/routing/options.js';
import type { Router } from '../../src/routing/router.js';
import { MAX_ID, MIN_ID } from '../../src/routing/summary.js';
import { encodeAck } from '../../src/wire/routing-ack.js';
import { encodeSummary } from '../../src/wire/routing-summary.js';
import { IMMEDIATE, makeRouter, pkiFor, recordOf, recordsSentTo, T0, update } from './routing-fixtures.js';

const pki = pkiFor(77);
const [R, M, H] = ['abuse-self', 'abuse-mallory', 'abuse-honest'].map((n) => pki.issue(n));
const { recordBurst, minRecordArrivalMs, neighbourSummaryRate } = DEFAULT_ROUTING_OPTIONS;

function bytesTo(actions: RoutingAction[], to: string): number {
  return actions.reduce((n, a) => n + (a.type === 'send' && a.to === to ? a.bytes.byteLength : 0), 0);
}

test('a record storm with issue times spaced 100 ms apart, sent 1 ms apart: only the arrival budget is accepted and re-flooded', () => {
  const r = makeRouter(pki, R!, IMMEDIATE);
  r.linkUp(M!.idText, T0, { cost: 1_000 });
  r.linkUp(H!.idText, T0, { cost: 1_000 });
  const storm = 2_000;
  let reflooded = 0;
  for (let i = 1; i <= storm; i++) {
    const rec = recordOf(M!, { sequence: i, issuedAtMs: T0 + i * minRecordArrivalMs, neighbours: [{ id: R!.idText, cost: 1_000 }] });
    reflooded += recordsSentTo(r.receive(M!.idText, update(rec), T0 + i), H!.idText).filter((x) => x.origin === M!.idText).length;
  }
  const allowed = recordBurst + Math.floor(storm / minRecordArrivalMs);
  const accepted = r.stats.recordsAccepted;
  assert.ok(accepted <= allowed, `${accepted} of ${storm} accepted (at most ${allowed}: burst + one per ${minRecordArrivalMs} ms of arrival time)`);
  assert.ok(accepted >= allowed - 1, `and no fewer (${accepted}): the budget is a rate, not a ban`);
  assert.equal(reflooded, accepted, 'only accepted records are re-flooded');
});

/** R holds `count` records (their origins link to each other in a ring; none to R). */
function routerWithDatabase(count: number): Router {
  const r = makeRouter(pki, R!, IMMEDIATE);
  const origins = Array.from({ length: count }, (_, i) => pki.issue(`abuse-db-${i}`));
  r.linkUp(H!.idText, T0, { cost: 1_000 });
  for (const [i, o] of origins.entries()) {
    const next = origins[(i + 1) % count]!;
    r.receive(H!.idText, update(recordOf(o, { sequence: 1, neighbours: [{ id: next.idText, cost: 1_000 }] })), T0 + i);
  }
  assert.ok(r.database().records >= count);
  return r;
}

function emptySummary(exchangeId: number): Uint8Array {
  return encodeSummary({ exchangeId, part: 0, carriesRevocations: true, rangeStart: MIN_ID, rangeEnd: MAX_ID, records: [], revocations: [] });
}

test('ten empty full-range summaries cost one copy of the database, not ten', () => {
  const r = routerWithDatabase(300);
  const db = r.database().bytes;
  let now = T0 + 10_000;
  let out = 0;
  out += bytesTo(r.linkUp(M!.idText, now, { cost: 1_000 }), M!.idText);
  for (let i = 1; i <= 10; i++) {
    now += 100;
    const actions = r.receive(M!.idText, emptySummary(i), now);
    out += bytesTo(actions, M!.idText);
    // The attacker acknowledges everything, so nothing is retransmitted: what it gets is what summaries bought.
    const records = actions.flatMap((a) => (a.type === 'send' && a.to === M!.idText ? recordsSentTo([a], M!.idText) : []));
    if (records.length > 0) r.receive(M!.idText, encodeAck({ records: records.map((x) => ({ id: x.origin, sequence: x.sequence })), revocations: [], summaryParts: [] }), now);
  }
  assert.ok(out < 1.2 * db, `${out} bytes sent to the summarising neighbour for a ${db}-byte database (ten full replies: ~${10 * db})`);
  assert.ok(out >= db, 'the first summary is answered in full: a new neighbour that lacks everything gets everything');
  assert.ok(r.stats.summaryRepliesSuppressed >= 9 * 300);
});

test('summaries beyond the per-neighbour budget are acked but not answered', () => {
  const r = routerWithDatabase(20);
  const now = T0 + 10_000;
  r.linkUp(M!.idText, now, { cost: 1_000 });
  for (let i = 1; i <= neighbourSummaryRate.burst + 10; i++) r.receive(M!.idText, emptySummary(i), now);
  assert.equal(r.stats.summariesRateLimited, 10);
});

test('a member claiming 1 us for its link to an honest node does not pull the route through itself', () => {
  // R - A - D costs 1,000 + 5,000; R - M - D: M claims 1 for M-D, D measures 6,000 for D-M.
  const [A, D] = ['abuse-a', 'abuse-d'].map((n) => pki.issue(n));
  const r = makeRouter(pki, R!, { ...IMMEDIATE, minEdgeCost: 1_000 });
  r.linkUp(A!.idText, T0, { cost: 1_000 });
  r.linkUp(M!.idText, T0, { cost: 1_000 });
  r.receive(A!.idText, update(recordOf(A!, { sequence: 1, neighbours: [{ id: R!.idText, cost: 1_000 }, { id: D!.idText, cost: 5_000 }] })), T0);
  r.receive(A!.idText, update(recordOf(D!, { sequence: 1, neighbours: [{ id: A!.idText, cost: 5_000 }, { id: M!.idText, cost: 6_000 }] })), T0);
  r.receive(M!.idText, update(recordOf(M!, { sequence: 1, neighbours: [{ id: R!.idText, cost: 1_000 }, { id: D!.idText, cost: 6_000 }] })), T0);
  assert.equal(r.route(D!.idText)?.nextHop, A!.idText, 'honest costs: via A');
  r.receive(M!.idText, update(recordOf(M!, { sequence: 2, neighbours: [{ id: R!.idText, cost: 1 }, { id: D!.idText, cost: 1 }] })), T0 + 1_000);
  assert.equal(r.recordSequences().get(M!.idText), 2, 'the lying record itself is valid and stored');
  const route = r.route(D!.idText);
  assert.equal(route?.nextHop, A!.idText, 'still via A: the edge M-D counts with D\'s claim, the larger');
  assert.equal(route?.cost, 6_000);
});

test('two colluding members claiming 1 us between them get the floor, not 1 us', () => {
  const [A, X] = ['abuse-a2', 'abuse-x'].map((n) => pki.issue(n));
  const r = makeRouter(pki, R!, { ...IMMEDIATE, minEdgeCost: 1_000 });
  r.linkUp(A!.idText, T0, { cost: 1_000 });
  r.receive(A!.idText, update(recordOf(A!, { sequence: 1, neighbours: [{ id: R!.idText, cost: 1_000 }, { id: X!.idText, cost: 1 }] })), T0);
  r.receive(A!.idText, update(recordOf(X!, { sequence: 1, neighbours: [{ id: A!.idText, cost: 1 }] })), T0);
  assert.equal(r.route(X!.idText)?.cost, 2_000, 'our link (1,000, measured) + the floor (1,000)');
});
