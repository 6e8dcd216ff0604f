/**
 * The token bucket and the keyed limiter under clock steps: a reading that
 * goes backwards earns nothing, and refilling resumes from it at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket } from '../../src/util/token-bucket.js';
import { KeyedRateLimiter } from '../../src/util/keyed-rate-limit.js';

function drain(b: TokenBucket, nowMs: number): number {
  let n = 0;
  while (b.take(nowMs) && n < 1_000) n++;
  return n;
}

test('a bucket fed a time 60 s in the past keeps refilling from there (no 60 s freeze)', () => {
  const t = 10_000_000;
  const b = new TokenBucket({ perSecond: 10, burst: 5 }, t);
  assert.equal(drain(b, t), 5);
  const stepped = t - 60_000;
  assert.equal(drain(b, stepped), 0, 'the step itself earns nothing');
  assert.equal(drain(b, stepped + 1_000), 5, 'one second after the step: refilled (capped at burst)');
  assert.equal(drain(b, stepped + 1_100), 1, '100 ms more: one token, at the configured rate');
});

test('hasToken takes nothing; keyHasToken creates no entry', () => {
  const b = new TokenBucket({ perSecond: 1, burst: 1 }, 0);
  assert.equal(b.hasToken(0), true);
  assert.equal(b.hasToken(0), true);
  assert.equal(b.take(0), true);
  assert.equal(b.hasToken(0), false);
  const l = new KeyedRateLimiter<string>({ perKey: { perSecond: 1, burst: 1 }, global: { perSecond: 100, burst: 100 }, maxKeys: 2 }, 0);
  assert.equal(l.keyHasToken('x', 0), true);
  assert.equal(l.take('x', 0), true);
  assert.equal(l.keyHasToken('x', 0), false);
  assert.equal(l.takeKey('y', 0), true);
  assert.equal(l.takeKey('y', 0), false);
});
