/**
 * The daemon's session timer (node/data-host.ts): a handshake init that gets
 * no answer is retried when the session asks (~100 ms), not at the next
 * regular 250 ms tick, even when the timer fires a few ms early (Node's
 * timers count from the event loop's cached time). Seen at start-up: the
 * responder learned its route back a few ms after the init, so the first
 * response was lost and the first ping waited ~350 ms for the retry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { DataHost, SESSION_TICK_MS } from '../../src/node/data-host.js';
import type { Link, LinkManager } from '../../src/node/link-manager.js';
import type { RoutingHost } from '../../src/node/routing-host.js';
import { ManualClock, type Clock, type TimerHandle } from '../../src/util/clock.js';
import { SeededRandom } from '../../src/util/random.js';
import { PACKET_TYPE_OFFSET, PacketType } from '../../src/wire/packet-constants.js';
import { TEST_CA, dataHostIdentity, makeTestNode, testAuthenticator } from './link-fixtures.js';
import { createLogger } from '../../src/util/log.js';

const ALICE = makeTestNode('alice', 41, TEST_CA);
const BOB = makeTestNode('bob', 42, TEST_CA);
/** The session's first retry (handshakeFirstRetryMs) plus its largest jitter, with room to spare. */
const RETRY_WINDOW_MS = 150;

/** A clock whose timers fire `earlyMs` before they are due, as Node's can by our clock. */
class EarlyClock implements Clock {
  constructor(readonly inner: ManualClock, private readonly earlyMs: number) {}
  now(): number { return this.inner.now(); }
  monotonic(): number { return this.inner.monotonic(); }
  setTimeout(fn: () => void, ms: number): TimerHandle { return this.inner.setTimeout(fn, Math.max(0, ms - this.earlyMs)); }
}

/** ALICE's data host with BOB one link away; returns the handshake inits it sends, timed. */
function aliceWithSilentBob(clock: Clock, manual: ManualClock): { host: DataHost; inits: number[] } {
  const inits: number[] = [];
  const start = manual.now();
  const link = {
    peer: { name: 'bob' },
    channel: {
      send: (_channel: number, bytes: Uint8Array) => {
        if (bytes[PACKET_TYPE_OFFSET] === PacketType.HANDSHAKE_INIT) inits.push(manual.now() - start);
        return true;
      },
      sendOwned: () => true,
    },
  } as unknown as Link;
  const routing = {
    nextHopLink: (dest: string) => (dest === BOB.identity.idText ? link : undefined),
    member: (id: string) => (id === BOB.identity.idText
      ? { idText: id, name: 'bob', publicKey: BOB.identity.publicKey, notAfterMs: Number.MAX_SAFE_INTEGER }
      : undefined),
  } as unknown as RoutingHost;
  const identity = dataHostIdentity(ALICE);
  const host = new DataHost({
    identity,
    links: Object.assign(new EventEmitter(), { handle: () => {} }) as unknown as LinkManager,
    routing,
    authenticatePeer: testAuthenticator(TEST_CA.publicKey) as never,
    clock,
    random: new SeededRandom(7),
    log: createLogger({ level: 'silent' }),
  });
  host.start();
  return { host, inits };
}

for (const earlyMs of [0, 4]) {
  test(`an unanswered handshake is retried within ${RETRY_WINDOW_MS} ms, not at the ${SESSION_TICK_MS} ms tick (timers ${earlyMs} ms early)`, () => {
    const manual = new ManualClock();
    const { host, inits } = aliceWithSilentBob(earlyMs === 0 ? manual : new EarlyClock(manual, earlyMs), manual);
    try {
      manual.advance(37); // off the regular tick's phase
      host.send(BOB.identity.idText, { kind: 'datagram', port: 9, data: new Uint8Array([1]) } as never);
      assert.equal(inits.length, 1, 'the first init goes out at once');
      manual.advance(RETRY_WINDOW_MS);
      assert.equal(inits.length, 2, `a retry within ${RETRY_WINDOW_MS} ms of the first init (inits at ${inits.join(', ')} ms)`);
      assert.ok(inits[1]! - inits[0]! >= 100, `not before the session's first retry delay (${inits[1]! - inits[0]!} ms)`);
    } finally {
      host.stop();
    }
  });
}
