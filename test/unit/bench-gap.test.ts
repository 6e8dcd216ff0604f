import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replyGap } from '../../src/bench/gap.js';
import type { PingReply } from '../../src/bench/ping-output.js';

const INTERVAL = 100;
const T0 = 1_795_644_000_000;

/** Replies to sequence numbers 1..count every 100 ms, except `lost`. */
function replies(count: number, lost: Set<number> = new Set(), jitterMs = 0): PingReply[] {
  const out: PingReply[] = [];
  for (let seq = 1; seq <= count; seq++) if (!lost.has(seq)) out.push({ seq, atMs: T0 + seq * INTERVAL + (seq % 2) * jitterMs, rttMs: 0.2 });
  return out;
}

test('no loss: the longest interval is one ping interval, nothing lost', () => {
  const g = replyGap(replies(50), T0 + 2000, T0 + 5100);
  assert.equal(g.maxGapMs, INTERVAL);
  assert.equal(g.lost, 0);
  assert.equal(g.longestLostRun, 0);
  assert.equal(g.repliesBeforeEvent, 19);
  assert.equal(g.repliesAfterEvent, 31);
  assert.equal(g.recovered, true);
});

test('an outage: the longest interval spans the lost replies; the lost run cross-checks it', () => {
  const lost = new Set([21, 22, 23, 24]);
  const g = replyGap(replies(50, lost), T0 + 2050, T0 + 5100);
  assert.equal(g.maxGapMs, 5 * INTERVAL); // seq 20 → seq 25
  assert.equal(g.gapStartFromEventMs, -50); // the last reply before the gap came 50 ms before the cut
  assert.equal(g.longestLostRun, 4);
  assert.equal(g.lost, 4);
  assert.equal(g.recovered, true);
});

test('two outages: the longer one is reported, every loss counted', () => {
  const g = replyGap(replies(60, new Set([10, 30, 31, 32])), T0 + 2900, T0 + 6100);
  assert.equal(g.maxGapMs, 4 * INTERVAL);
  assert.equal(g.longestLostRun, 3);
  assert.equal(g.lost, 4);
});

test('replies that never resume: the gap runs to the end of the ping and recovered is false', () => {
  const g = replyGap(replies(20), T0 + 2050, T0 + 7000);
  assert.equal(g.recovered, false);
  assert.equal(g.repliesAfterEvent, 0);
  assert.equal(g.maxGapMs, 7000 - 2000);
});

test('duplicates and out-of-order lines: the first arrival of each sequence number counts', () => {
  const base = replies(10);
  const shuffled = [...base].reverse();
  shuffled.push({ seq: 5, atMs: T0 + 900, rttMs: 400 }); // a late duplicate of seq 5
  const g = replyGap(shuffled, T0 + 500, T0 + 1100);
  assert.equal(g.maxGapMs, INTERVAL);
  assert.equal(g.lost, 0);
});

test('no replies at all: zero intervals, not recovered; one reply: nothing to measure between', () => {
  assert.deepEqual(replyGap([], T0, T0 + 1000), { maxGapMs: 0, gapStartFromEventMs: null, longestLostRun: 0, lost: 0, repliesBeforeEvent: 0, repliesAfterEvent: 0, recovered: false });
  const one = replyGap([{ seq: 1, atMs: T0 + 100, rttMs: 1 }], T0 + 500, T0 + 1000);
  assert.equal(one.maxGapMs, 900);
  assert.equal(one.recovered, false);
});
