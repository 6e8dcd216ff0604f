/**
 * Dials caused by sightings (unauthenticated advertisements): bounded memory
 * under a flood of forged keys, and dial rates per interface and in total,
 * on a manual clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dialBudgetConfig } from '../../src/link/dial-budget.js';
import { BACKOFF_MEMORY_MS, DialPolicy, MAX_DIAL_TARGETS, MAX_SIGHTING_DIALS_IN_FLIGHT, type DialCandidate } from '../../src/link/dial-policy.js';
import { ManualClock } from '../../src/util/clock.js';
import { SeededRandom } from '../../src/util/random.js';

const LOW_ID = new Uint8Array(16); // we dial everyone at once (lowest id)
const HIGH_ID = new Uint8Array(16).fill(0xff); // we wait the grace period for everyone

function candidate(n: number, via = 'eth0'): DialCandidate {
  const id = new Uint8Array(16);
  new DataView(id.buffer).setUint32(12, n + 1);
  id[0] = 0x80;
  const idText = Buffer.from(id).toString('hex');
  return { key: `${idText}|${via}`, idText, id, via };
}

function policy(localId: Uint8Array, perInterface = 10, total = 20) {
  const clock = new ManualClock();
  const p = new DialPolicy({ localId, dialGraceMs: 4_000, budget: dialBudgetConfig(perInterface, total), clock, random: new SeededRandom(1) });
  return { clock, p };
}

test('dial policy: 100,000 forged keys at the lower id leave at most MAX_DIAL_TARGETS entries, and dials stay within the per-interface rate', () => {
  const { clock, p } = policy(LOW_ID);
  let dials = 0;
  for (let i = 0; i < 100_000; i++) {
    if (i % 100 === 0) clock.advance(30); // 100,000 in 30 s
    const c = candidate(i);
    if (p.decide(c, 0) === 'dial') {
      dials++;
      p.failed(c.key); // the forged address never answers
    }
  }
  const sizes = p.sizes();
  console.log(`# 100,000 forged keys in 30 s (virtual): ${dials} dials, tables ${JSON.stringify(sizes)}`);
  assert.ok(sizes.backoffs <= MAX_DIAL_TARGETS && sizes.firstSeen <= MAX_DIAL_TARGETS && sizes.known === 0, JSON.stringify(sizes));
  // 10 a second for 30 s, plus the burst of 20.
  assert.ok(dials <= 10 * 30 + 20, `dials ${dials}`);
  assert.ok(dials >= 10 * 30, `the budget is used, not refused outright: ${dials}`);
  assert.equal(p.counters.dialsRateLimitedInterface, 100_000 - dials);
});

test('dial policy: the higher id under a flood of forged keys also stays bounded (first sightings age out)', () => {
  const { clock, p } = policy(HIGH_ID);
  for (let i = 0; i < 100_000; i++) {
    if (i % 100 === 0) clock.advance(30);
    p.decide(candidate(i), 0);
  }
  assert.ok(p.sizes().firstSeen <= MAX_DIAL_TARGETS);
  clock.advance(BACKOFF_MEMORY_MS * 4);
  p.decide(candidate(-5), 0);
  assert.equal(p.sizes().firstSeen, 1, 'after the flood, only the newest sighting is remembered');
});

test('dial policy: two interfaces each get their own rate, and together they stay within the total', () => {
  const { clock, p } = policy(LOW_ID, 10, 15);
  const dials = { eth0: 0, eth1: 0 };
  for (let step = 0; step < 10_000; step++) {
    clock.advance(1); // 10 s
    for (const via of ['eth0', 'eth1'] as const) {
      if (p.decide(candidate(step, via), 0) === 'dial') dials[via]++;
    }
  }
  console.log(`# two interfaces, 10 s of forged sightings: ${JSON.stringify(dials)}`);
  assert.ok(dials.eth0 + dials.eth1 <= 15 * 10 + 30, JSON.stringify(dials));
  assert.ok(dials.eth0 <= 10 * 10 + 20 && dials.eth1 <= 10 * 10 + 20, JSON.stringify(dials));
  assert.ok(dials.eth0 > 50 && dials.eth1 > 50, `both interfaces get dials: ${JSON.stringify(dials)}`);
  assert.ok(p.counters.dialsRateLimitedTotal > 0);
});

test('dial policy: a node we were linked with is redialed at once even while a flood spends the budget', () => {
  const { clock, p } = policy(LOW_ID, 1, 1);
  const friend = candidate(999_999);
  p.linked(friend.key, friend.idText);
  p.unlinked(friend.idText);
  for (let i = 0; i < 1_000; i++) p.decide(candidate(i), 0); // budget spent
  assert.equal(p.decide(candidate(5_000), 0), 'rate-interface');
  assert.equal(p.decide(friend, 0), 'dial');
  // Its backoff still applies.
  p.failed(friend.key);
  assert.equal(p.decide(friend, 0), 'backoff');
  clock.advance(1_000);
  assert.equal(p.decide(friend, 0), 'dial');
});

test('dial policy: dials in flight are capped', () => {
  const { p } = policy(LOW_ID, 1_000, 1_000);
  assert.equal(p.decide(candidate(1), MAX_SIGHTING_DIALS_IN_FLIGHT), 'in-flight-limit');
  assert.equal(p.decide(candidate(1), MAX_SIGHTING_DIALS_IN_FLIGHT - 1), 'dial');
});

test('dial policy: even with an unlimited budget, 100,000 failed forged targets leave at most MAX_DIAL_TARGETS backoffs, aged out after the flood', () => {
  const { clock, p } = policy(LOW_ID, 1e6, 1e6);
  for (let i = 0; i < 100_000; i++) {
    const c = candidate(i);
    if (p.decide(c, 0) === 'dial') p.failed(c.key);
  }
  assert.equal(p.sizes().backoffs, MAX_DIAL_TARGETS);
  clock.advance(BACKOFF_MEMORY_MS);
  const c = candidate(-1);
  p.decide(c, 0);
  p.failed(c.key);
  assert.equal(p.sizes().backoffs, 1);
});
