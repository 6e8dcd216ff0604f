import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RttEstimator } from '../../src/link/rtt.js';
import { BoundedQueue } from '../../src/link/send-queue.js';
import { DEFAULT_LINK_CONFIG, resolveLinkConfig } from '../../src/link/config.js';
import { LinkTimers } from '../../src/link/timers.js';
import { ManualClock } from '../../src/util/clock.js';

test('rtt: first sample sets the estimate, later ones move it by 1/8 (RFC 6298)', () => {
  const r = new RttEstimator();
  assert.equal(r.smoothedMs, null);
  r.add(80);
  assert.equal(r.smoothedMs, 80);
  assert.equal(r.varianceMs, 40);
  r.add(160);
  assert.equal(r.smoothedMs, 90);
  assert.equal(r.varianceMs, 50);
  r.add(-5);
  assert.equal(r.latestMs, 0);
  assert.equal(r.minMs, 0);
  assert.equal(r.samples, 3);
});

test('send queue: FIFO within both bounds, refuses beyond either', () => {
  const q = new BoundedQueue(3, 10);
  assert.ok(q.push(new Uint8Array(4)));
  assert.ok(q.push(new Uint8Array(6)));
  assert.ok(!q.push(new Uint8Array(1)), 'byte bound');
  assert.equal(q.bytes, 10);
  assert.equal(q.shift()?.byteLength, 4);
  assert.ok(q.push(new Uint8Array(0)));
  assert.ok(q.push(new Uint8Array(0)));
  assert.ok(!q.push(new Uint8Array(0)), 'count bound');
  assert.equal(q.length, 3);
  q.clear();
  assert.equal(q.shift(), undefined);
  const big = new BoundedQueue(10_000, 1e9);
  for (let i = 0; i < 5_000; i++) {
    big.push(new Uint8Array([i & 0xff]));
    assert.equal(big.shift()?.[0], i & 0xff);
  }
  assert.equal(big.length, 0);
});

test('link config: defaults, overrides, and checks that name the setting', () => {
  assert.deepEqual(resolveLinkConfig(), DEFAULT_LINK_CONFIG);
  assert.equal(resolveLinkConfig({ deadAfterMs: 9_000 }).deadAfterMs, 9_000);
  assert.throws(() => resolveLinkConfig({ keepaliveIntervalMs: 0 }), /keepaliveIntervalMs/);
  assert.throws(() => resolveLinkConfig({ deadAfterMs: 500 }), /deadAfterMs .* must exceed keepaliveIntervalMs/);
});

test('timers: keepalive every interval, silence only after deadAfterMs of quiet, all stopped on close', () => {
  const clock = new ManualClock();
  const fired: string[] = [];
  const config = resolveLinkConfig({ keepaliveIntervalMs: 1_000, deadAfterMs: 3_000, handshakeTimeoutMs: 2_000 });
  const timers = new LinkTimers(clock, config, {
    onHandshakeTimeout: () => fired.push('handshake'),
    onKeepaliveDue: () => fired.push(`keepalive@${clock.monotonic() - start}`),
    onPeerSilent: () => fired.push(`silent@${clock.monotonic() - start}`),
    onLingerExpired: () => fired.push('linger'),
  });
  const start = clock.monotonic();
  timers.startHandshake();
  clock.advance(500);
  timers.startOpen(true); // at 500: the handshake timer is cancelled
  clock.advance(2_000);
  timers.heardFromPeer(); // at 2500
  clock.advance(3_000); // silent at 5500
  assert.deepEqual(fired, ['keepalive@1500', 'keepalive@2500', 'keepalive@3500', 'keepalive@4500', 'silent@5500', 'keepalive@5500']);
  timers.stop(true);
  clock.advance(config.closeLingerMs);
  assert.equal(fired.at(-1), 'linger');
  assert.equal(clock.pending(), 0);
});

test('timers: a peer heard by another path (heardElsewhere) is not declared silent; once that path is quiet too, it is', () => {
  const clock = new ManualClock();
  const fired: string[] = [];
  let heardElsewhere = true;
  const config = resolveLinkConfig({ keepaliveIntervalMs: 1_000, deadAfterMs: 3_000 });
  const timers = new LinkTimers(clock, config, {
    onHandshakeTimeout: () => fired.push('handshake'),
    onKeepaliveDue: () => {},
    onPeerSilent: () => fired.push(`silent@${clock.monotonic() - start}`),
    onLingerExpired: () => {},
    heardElsewhere: () => heardElsewhere,
  });
  const start = clock.monotonic();
  timers.startOpen(false);
  clock.advance(10_000); // heard elsewhere at every check
  assert.deepEqual(fired, []);
  heardElsewhere = false;
  clock.advance(6_000);
  assert.deepEqual(fired, ['silent@12000'], 'deadAfterMs after the last check that heard it');
  timers.stop(false);
});
