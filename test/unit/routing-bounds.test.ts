import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, isSkeinError } from '../../src/util/errors.js';
import { MAX_NEIGHBOURS_PER_RECORD } from '../../src/wire/routing-constants.js';
import { decodeRecord } from '../../src/wire/routing-record.js';
import { resolveRoutingOptions } from '../../src/routing/options.js';
import { nextSequence } from '../../src/routing/sequence.js';
import { IMMEDIATE, makeRouter, pkiFor, recordOf, sendsTo, T0, update } from './routing-fixtures.js';

const pki = pkiFor(61);
const ids = Array.from({ length: 80 }, (_, i) => pki.issue(`n${i}`));
const [self, nb] = [ids[0]!, ids[1]!];

test('the database refuses new origins past maxRecords, but always keeps room for our own record', () => {
  const r = makeRouter(pki, self, { ...IMMEDIATE, maxRecords: 4, originationHoldMs: 1000 });
  r.linkUp(nb.idText, T0, { cost: 1 });
  const out = r.receive(nb.idText, update(...ids.slice(1, 6).map((who) => recordOf(who, { sequence: 1 }))), T0);
  assert.equal(r.recordSequences().size, 3, 'three others; the fourth slot is ours');
  assert.equal(out.filter((a) => a.type === 'rejected' && a.code === ErrorCodes.ROUTING_LIMIT).length, 2);
  r.tick(T0 + 1000);
  assert.equal(r.recordSequences().size, 4);
  assert.ok(r.recordSequences().has(self.idText));
});

test('the database refuses records past maxDatabaseBytes', () => {
  const size = recordOf(nb, { sequence: 1 }).byteLength;
  const r = makeRouter(pki, self, { ...IMMEDIATE, maxDatabaseBytes: 4 * size + 100 });
  r.linkUp(nb.idText, T0, { cost: 1 });
  const out = r.receive(nb.idText, update(...ids.slice(1, 10).map((who) => recordOf(who, { sequence: 1 }))), T0);
  assert.ok(r.database().bytes <= 4 * size + 100);
  assert.equal(r.database().records, 4, 'ours and three others');
  assert.equal(out.filter((a) => a.type === 'rejected' && a.code === ErrorCodes.ROUTING_LIMIT).length, 6);
});

test(`a record lists at most ${MAX_NEIGHBOURS_PER_RECORD} neighbours: the cheapest links`, () => {
  const r = makeRouter(pki, self);
  let out;
  // Each new link is the cheapest so far, so every one changes the record.
  for (let i = 1; i < 80; i++) out = r.linkUp(ids[i]!.idText, T0, { cost: 2000 - i });
  const sent = sendsTo(out ?? [], ids[1]!.idText).flatMap((m) => (m.type === 'update' ? m.records : []));
  const own = sent.map((b) => decodeRecord(b)).find((d) => d.origin === self.idText);
  assert.ok(own);
  assert.equal(own.neighbours.length, MAX_NEIGHBOURS_PER_RECORD);
  assert.equal(Math.max(...own.neighbours.map((n) => n.cost)), 2000 - (80 - MAX_NEIGHBOURS_PER_RECORD));
});

test('messages past the per-neighbour message rate are dropped unread', () => {
  const r = makeRouter(pki, self, { ...IMMEDIATE, neighbourMessageRate: { perSecond: 1, burst: 3 } });
  r.linkUp(nb.idText, T0, { cost: 1 });
  for (let i = 0; i < 10; i++) r.receive(nb.idText, update(recordOf(ids[2 + i]!, { sequence: 1 })), T0);
  assert.equal(r.recordSequences().size, 4, 'self + 3 messages');
  assert.equal(r.stats.rateLimited, 7);
});

test('options are range-checked with messages naming the option', () => {
  assert.throws(() => resolveRoutingOptions({ refreshIntervalMs: 40 * 60_000 }), (e) => isSkeinError(e, ErrorCodes.CONFIG) && /refreshIntervalMs/.test(e.message));
  assert.throws(() => resolveRoutingOptions({ lifetimeMs: 1000 }), /lifetimeMs/);
  assert.throws(() => resolveRoutingOptions({ spfDelayMs: -1 }), /spfDelayMs/);
  assert.throws(() => resolveRoutingOptions({ neighbourRecordRate: { perSecond: 0, burst: 1 } }), /neighbourRecordRate/);
});

test('sequence numbers never go backwards: persisted value, clock, or both', () => {
  assert.equal(nextSequence(0, T0), T0);
  assert.equal(nextSequence(T0 + 5000, T0), T0 + 5001, 'clock went back: persisted value wins');
  assert.equal(nextSequence(10, T0), T0, 'persisted value lost or old: clock wins');
  let s = 0;
  for (const now of [T0, T0, T0 - 1, T0 + 3]) {
    const next = nextSequence(s, now);
    assert.ok(next > s);
    s = next;
  }
});
