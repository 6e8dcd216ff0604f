import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/util/clock.js';

test('ManualClock fires timers in time order, FIFO for ties, and honours cancel', () => {
  const clock = new ManualClock(1000);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push('b'), 20);
  clock.setTimeout(() => fired.push('a'), 10);
  clock.setTimeout(() => fired.push('c'), 20);
  const cancelled = clock.setTimeout(() => fired.push('x'), 15);
  cancelled.cancel();
  clock.advance(19);
  assert.deepEqual(fired, ['a']);
  assert.equal(clock.now(), 1019);
  clock.advance(1);
  assert.deepEqual(fired, ['a', 'b', 'c']);
  assert.equal(clock.pending(), 0);
});

test('ManualClock runs timers scheduled by timers within the same advance', () => {
  const clock = new ManualClock(0);
  const at: number[] = [];
  const tick = () => { at.push(clock.now()); if (at.length < 5) clock.setTimeout(tick, 100); };
  clock.setTimeout(tick, 100);
  clock.advance(1000);
  assert.deepEqual(at, [100, 200, 300, 400, 500]);
});

test('ManualClock.stepWallClock moves wall time only: monotonic time and timers stay put', () => {
  const clock = new ManualClock(1_000_000);
  let fired = 0;
  clock.setTimeout(() => fired++, 100);
  clock.stepWallClock(-60_000);
  assert.equal(clock.now(), 940_000);
  assert.equal(clock.monotonic(), 1_000_000);
  assert.equal(fired, 0, 'a wall step fires nothing');
  clock.advance(100);
  assert.equal(fired, 1);
  assert.equal(clock.now(), 940_100, 'wall time goes on from the stepped value');
});
