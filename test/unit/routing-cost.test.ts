import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LinkCostEstimator } from '../../src/routing/cost.js';
import { SeededRandom } from '../../src/util/random.js';
import { IMMEDIATE, makeRouter, pkiFor, T0 } from './routing-fixtures.js';

function feed(e: LinkCostEstimator, samples: number[]): number {
  let changes = 0;
  for (const s of samples) if (e.addSample(s)) changes++;
  return changes;
}

test('jitter of ±30% around a steady RTT never moves the cost after the first sample', () => {
  const rng = new SeededRandom(1);
  const e = new LinkCostEstimator();
  e.addSample(10);
  const first = e.cost;
  const changes = feed(e, Array.from({ length: 5000 }, () => 10 * (0.7 + 0.6 * rng.float())));
  assert.equal(changes, 0);
  assert.equal(e.cost, first);
  assert.ok(Math.abs(e.cost - 11_000) <= 500, `cost ${e.cost} µs ≈ 1 ms hop + 10 ms RTT`);
});

test('a lasting change of RTT moves the cost within a few dozen samples, in few steps', () => {
  const e = new LinkCostEstimator();
  feed(e, Array.from({ length: 50 }, () => 10));
  const changes = feed(e, Array.from({ length: 60 }, () => 50));
  assert.ok(changes >= 1 && changes <= 6, `${changes} changes`);
  assert.ok(e.cost > 40_000 && e.cost <= 51_000, `cost ${e.cost}`);
  feed(e, Array.from({ length: 100 }, () => 5));
  assert.ok(e.cost < 8_000, `back down: ${e.cost}`);
});

test('one spike does not move the cost; nonsense samples are ignored', () => {
  const e = new LinkCostEstimator();
  feed(e, Array.from({ length: 20 }, () => 10));
  const before = e.cost;
  assert.equal(e.addSample(2000), false);
  assert.equal(e.addSample(Number.NaN), false);
  assert.equal(e.addSample(-1), false);
  assert.equal(e.cost, before);
});

test('a router fed jittery RTT samples does not re-originate; a real change does', () => {
  const pki = pkiFor(21);
  const [self, peer] = [pki.issue('self'), pki.issue('peer')];
  const r = makeRouter(pki, self, { ...IMMEDIATE, minOriginationIntervalMs: 0 });
  r.linkUp(peer.idText, T0, { rttMs: 10 });
  r.tick(T0);
  const base = r.stats.originations;
  const rng = new SeededRandom(2);
  for (let i = 1; i <= 300; i++) r.rttSample(peer.idText, 10 * (0.7 + 0.6 * rng.float()), T0 + i * 1000);
  assert.equal(r.stats.originations, base, 'no flapping');
  for (let i = 301; i <= 400; i++) r.rttSample(peer.idText, 40, T0 + i * 1000);
  assert.ok(r.stats.originations > base);
  assert.ok((r.neighbours()[0]?.cost ?? 0) > 30_000);
});
