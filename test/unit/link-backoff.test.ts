import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_DIAL_BACKOFF, DialBackoff, backoffDelayMs } from '../../src/link/backoff.js';
import { ManualClock } from '../../src/util/clock.js';
import { type Random, SeededRandom } from '../../src/util/random.js';

const fixed = (f: number): Random => ({ float: () => f, bytes: (n) => new Uint8Array(n) });

test('backoff: doubles from the initial delay and caps at the maximum', () => {
  const noJitter = { ...DEFAULT_DIAL_BACKOFF, jitter: 0 };
  const delays = Array.from({ length: 10 }, (_, i) => backoffDelayMs(noJitter, i + 1, fixed(0.99)));
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000]);
});

test('backoff: jitter stays within [delay/2, delay] and varies', () => {
  const random = new SeededRandom(7);
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) {
    const d = backoffDelayMs(DEFAULT_DIAL_BACKOFF, 3, random);
    assert.ok(d >= 1000 && d <= 2000, String(d));
    seen.add(d);
  }
  assert.ok(seen.size > 100);
  assert.equal(backoffDelayMs(DEFAULT_DIAL_BACKOFF, 3, fixed(0)), 2000);
  assert.equal(backoffDelayMs(DEFAULT_DIAL_BACKOFF, 3, fixed(0.999999)), 1000);
});

test('backoff: on a manual clock, dials become ready exactly when the delay has passed; success resets', () => {
  const clock = new ManualClock();
  const b = new DialBackoff(clock, fixed(0), { initialMs: 500, maxMs: 4000, multiplier: 2, jitter: 0.5 });
  assert.ok(b.isReady());
  const expected = [500, 1000, 2000, 4000, 4000];
  for (const delay of expected) {
    assert.equal(b.recordFailure(), delay);
    assert.ok(!b.isReady());
    clock.advance(delay - 1);
    assert.ok(!b.isReady());
    clock.advance(1);
    assert.ok(b.isReady());
  }
  assert.equal(b.failures, 5);
  b.recordSuccess();
  assert.ok(b.isReady());
  assert.equal(b.recordFailure(), 500);
});
