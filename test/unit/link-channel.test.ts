import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SecureChannel, type SecureChannelOptions } from '../../src/link/channel.js';
import type { LinkCloseReason } from '../../src/link/channel-types.js';
import type { LinkConfig } from '../../src/link/config.js';
import { encodeFrame } from '../../src/link/framing.js';
import { MemoryDuplex, type MemoryDuplexOptions } from '../../src/link/memory-duplex.js';
import { ManualClock } from '../../src/util/clock.js';
import { ErrorCodes, isSkeinError } from '../../src/util/errors.js';
import { LinkCloseCode, MAX_FRAME_BYTES } from '../../src/wire/link-constants.js';
import { ALICE, BOB, OTHER_CA, type TestNode, handRolledListener, handshakeOptions, makeTestNode, testAuthenticator, TEST_CA } from './link-fixtures.js';
import { encodePong } from '../../src/wire/link-messages.js';
import { KEEPALIVE_EXCHANGE_WIRE_BYTES } from '../../src/link/keepalive.js';

/** Let queued microtasks and stream callbacks run. */
async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/** Advance a manual clock in steps, letting the streams deliver between steps. */
async function advance(clock: ManualClock, ms: number, stepMs = 10): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) {
    clock.advance(Math.min(stepMs, ms - t));
    await settle(2);
  }
}

interface Pair {
  clock: ManualClock;
  a: SecureChannel;
  b: SecureChannel;
  aStream: MemoryDuplex;
  bStream: MemoryDuplex;
  closes: { a: LinkCloseReason[]; b: LinkCloseReason[] };
}

interface PairOptions {
  duplex?: Omit<MemoryDuplexOptions, 'latency'>;
  latencyMs?: number;
  config?: Partial<LinkConfig>;
  a?: Partial<SecureChannelOptions>;
  b?: Partial<SecureChannelOptions>;
  bNode?: TestNode;
}

function channelPair(opts: PairOptions = {}): Pair {
  const clock = new ManualClock();
  const latency = opts.latencyMs === undefined ? undefined : { clock, ms: opts.latencyMs };
  const [aStream, bStream] = MemoryDuplex.pair({ ...opts.duplex, ...(latency && { latency }) });
  const b = new SecureChannel(bStream, { ...handshakeOptions(opts.bNode ?? BOB, 'responder'), clock, config: opts.config, ...opts.b });
  const a = new SecureChannel(aStream, { ...handshakeOptions(ALICE, 'initiator', { responderStaticKey: (opts.bNode ?? BOB).staticKeyPair.publicKey }), clock, config: opts.config, ...opts.a });
  const closes = { a: [] as LinkCloseReason[], b: [] as LinkCloseReason[] };
  a.on('close', (r) => closes.a.push(r));
  b.on('close', (r) => closes.b.push(r));
  return { clock, a, b, aStream, bStream, closes };
}

async function openPair(opts: PairOptions = {}): Promise<Pair> {
  const p = channelPair(opts);
  await settle();
  if (opts.latencyMs !== undefined) await advance(p.clock, opts.latencyMs * 4, opts.latencyMs);
  await Promise.all([p.a.opened, p.b.opened]);
  return p;
}

const text = (s: string) => new TextEncoder().encode(s);
const untext = (b: Uint8Array) => new TextDecoder().decode(b);

test('channel: both sides open with the proven peer and exchange messages both ways, in order', async () => {
  const { a, b, closes } = await openPair();
  assert.equal(a.state, 'open');
  assert.equal(a.peer?.name, 'bob');
  assert.equal(b.peer?.name, 'alice');
  assert.deepEqual(a.handshakeHash, b.handshakeHash);
  const atB: string[] = [];
  const atA: string[] = [];
  b.on('message', (ch, data) => atB.push(`${ch}:${untext(data)}`));
  a.on('message', (ch, data) => atA.push(`${ch}:${untext(data)}`));
  for (let i = 0; i < 200; i++) {
    assert.ok(a.send(i % 3, text(`a${i}`)));
    assert.ok(b.send(7, text(`b${i}`)));
  }
  assert.ok(a.send(1, new Uint8Array(65_536)));
  await settle();
  assert.equal(atB.length, 201);
  assert.deepEqual(atB.slice(0, 3), ['0:a0', '1:a1', '2:a2']);
  assert.equal(atB[199], '1:a199');
  assert.equal(atA.length, 200);
  assert.equal(atA[199], '7:b199');
  const sa = a.stats();
  const sb = b.stats();
  assert.equal(sa.messagesSent, sb.messagesReceived);
  assert.equal(sb.messagesSent, sa.messagesReceived);
  assert.equal(sa.bytesSent, sb.bytesReceived);
  assert.ok(sa.bytesSent > 65_536);
  assert.equal(sa.dropped, 0);
  assert.deepEqual(closes, { a: [], b: [] });
  console.log(`# channel stats a: ${JSON.stringify(sa)}`);
});

test('channel: RTT is measured by keepalives on a manual clock and smoothed', async () => {
  const { clock, a, b } = await openPair({ latencyMs: 25 });
  const samples: number[] = [];
  a.on('rtt', (_smoothed, sample) => samples.push(sample));
  await advance(clock, 5_000, 25);
  assert.ok(samples.length >= 4, `samples: ${samples.length}`);
  assert.ok(samples.every((s) => s === 50), `samples: ${samples}`);
  assert.equal(a.stats().rttMs, 50);
  assert.equal(b.stats().rttMs, 50);
  assert.ok(a.stats().uptimeMs >= 5_000);
  assert.equal(a.state, 'open');
});

test('channel: one keepalive exchange per interval, paced by the dialer, gives both ends their RTT', async () => {
  const { clock, a, b } = await openPair({ latencyMs: 25 });
  const listenerSamples: number[] = [];
  b.on('rtt', (_smoothed, sample) => listenerSamples.push(sample));
  await advance(clock, 1_000, 25);
  const before = { a: a.stats().messagesSent, b: b.stats().messagesSent, bytes: a.stats().bytesSent + b.stats().bytesSent };
  await advance(clock, 10_000, 25);
  const sentByDialer = a.stats().messagesSent - before.a;
  const sentByListener = b.stats().messagesSent - before.b;
  const bytes = a.stats().bytesSent + b.stats().bytesSent - before.bytes;
  assert.equal(bytes, 10 * KEEPALIVE_EXCHANGE_WIRE_BYTES, 'the wire bytes the simulator adds for keepalives');
  console.log(`# keepalives over 10 intervals: dialer sent ${sentByDialer} (PING, ECHO), listener ${sentByListener} (PONG); listener samples ${listenerSamples.length}`);
  assert.equal(sentByDialer, 20);
  assert.equal(sentByListener, 10);
  assert.ok(listenerSamples.length >= 10 && listenerSamples.every((s) => s === 50), `listener samples: ${listenerSamples}`);
  assert.equal(a.stats().rttMs, 50);
  assert.equal(b.stats().rttMs, 50);
});

test('channel: a keepalive answer slower than the interval is timed from the first PING, not lost', async () => {
  const { clock, a, b } = await openPair({ latencyMs: 900, config: { keepaliveIntervalMs: 1_000, deadAfterMs: 10_000 } });
  const dialer: number[] = [];
  const listener: number[] = [];
  a.on('rtt', (_s, sample) => dialer.push(sample));
  b.on('rtt', (_s, sample) => listener.push(sample));
  await advance(clock, 12_000, 50);
  assert.ok(dialer.length >= 4 && dialer.every((s) => s === 1_800), `dialer samples: ${dialer}`);
  assert.ok(listener.length >= 4 && listener.every((s) => s === 1_800), `listener samples: ${listener}`);
  assert.equal(a.state, 'open');
});

test('channel: a hostile neighbour cannot lower its link\'s RTT by answering keepalives early, only raise it', async () => {
  const clock = new ManualClock();
  const [aStream, bStream] = MemoryDuplex.pair({ latency: { clock, ms: 25 } });
  const hostile = handRolledListener(bStream, BOB);
  const a = new SecureChannel(aStream, { ...handshakeOptions(ALICE, 'initiator', { responderStaticKey: BOB.staticKeyPair.publicKey }), clock });
  const samples: number[] = [];
  a.on('rtt', (_s, sample) => samples.push(sample));
  let seen = 0;
  let holdMs = 0;
  let lastChallenge = 0n;
  let staleChallenge = 0n;
  const answers: Array<{ at: number; echo: bigint }> = [];
  let early = 0;
  const ownChallenge = 0x5eed_5eed_5eed_5eedn;
  const step = async (ms: number): Promise<void> => {
    for (let t = 0; t < ms; t += 5) {
      clock.advance(5);
      await settle(2);
      for (; seen < hostile.received.length; seen++) {
        const m = hostile.received[seen]!;
        if (m.type === 'ping') {
          staleChallenge = lastChallenge;
          lastChallenge = m.challenge;
          answers.push({ at: clock.monotonic() + holdMs, echo: m.challenge });
        }
      }
      while (answers.length > 0 && answers[0]!.at <= clock.monotonic()) hostile.send(encodePong({ echo: answers.shift()!.echo, challenge: ownChallenge }));
      // Early answers, every 50 ms, so that one always arrives just after each PING leaves: the
      // challenge before the latest (a replay), the next after the latest, and a fixed guess.
      if (clock.monotonic() % 50 === 0 && staleChallenge !== 0n) {
        for (const echo of [staleChallenge, lastChallenge + 1n, 0x0123_4567_89ab_cdefn]) hostile.send(encodePong({ echo, challenge: ownChallenge }));
        early += 3;
      }
    }
  };
  await step(200);
  await hostile.ready;
  await a.opened;
  await step(5_000);
  const honest = samples.splice(0);
  holdMs = 200;
  await step(5_000);
  const held = samples.splice(0).slice(1); // the first spans the change of hold
  console.log(`# ${early} early answers sent; samples answering at once: ${honest.join(',')}; holding 200 ms: ${held.join(',')}`);
  assert.ok(early > 250);
  assert.ok(honest.length >= 4 && honest.every((s) => s === 50), `samples while answering at once: ${honest}`);
  assert.ok(held.length >= 3 && held.every((s) => s === 250), `samples while holding answers 200 ms: ${held}`);
  assert.equal(a.state, 'open');
  a.close();
});

test('channel: a silent peer (cut cable, no FIN) is declared dead at deadAfterMs', async () => {
  const config = { keepaliveIntervalMs: 1_000, deadAfterMs: 3_000 };
  const { clock, a, b, aStream, closes } = await openPair({ config });
  await advance(clock, 2_500, 100);
  assert.equal(a.state, 'open');
  const cutAt = clock.monotonic();
  let deadAt = 0;
  a.on('close', () => { deadAt = clock.monotonic(); });
  aStream.cut();
  await advance(clock, 1_900, 100);
  assert.equal(a.state, 'open', 'still within deadAfterMs of the last message heard');
  await advance(clock, 1_200, 100);
  assert.equal(a.state, 'closed');
  assert.equal(b.state, 'closed');
  assert.equal(closes.a[0]?.cause, 'peer-silent');
  assert.equal(closes.a[0]?.error?.code, ErrorCodes.PEER_SILENT);
  assert.equal(closes.b[0]?.cause, 'peer-silent');
  // Keepalives every 1 s: the last message heard was at most 1 s before the cut.
  const deadAfterCut = deadAt - cutAt;
  assert.ok(deadAfterCut >= config.deadAfterMs - config.keepaliveIntervalMs && deadAfterCut <= config.deadAfterMs, `closed ${deadAfterCut} ms after the cut`);
  console.log(`# silent peer declared dead ${deadAfterCut} ms (manual) after the cut; deadAfterMs ${config.deadAfterMs}`);
});

test('channel: the handshake times out against a peer that never answers', async () => {
  const clock = new ManualClock();
  const [aStream, bStream] = MemoryDuplex.pair();
  const a = new SecureChannel(aStream, { ...handshakeOptions(ALICE, 'initiator', { responderStaticKey: BOB.staticKeyPair.publicKey }), clock, config: { handshakeTimeoutMs: 2_000 } });
  // A responder that accepts the TCP connection but sends nothing.
  const b = new SecureChannel(bStream, { ...handshakeOptions(BOB, 'responder'), clock, config: { handshakeTimeoutMs: 2_000 } });
  bStream.pause(); // b never reads, so never answers
  let reason: LinkCloseReason | undefined;
  a.on('close', (r) => { reason = r; });
  await settle();
  clock.advance(1_999);
  await settle();
  assert.equal(a.state, 'handshaking');
  clock.advance(1);
  await settle();
  assert.equal(reason?.cause, 'handshake-timeout');
  await assert.rejects(a.opened, (e) => isSkeinError(e, ErrorCodes.HANDSHAKE_TIMEOUT));
  assert.equal(b.state, 'closed', 'b timed out too');
});

test('channel: backpressure queues up to the bound, drops beyond it (counted), then delivers the rest in order', async () => {
  const config = { maxQueuedBytes: 20_000, maxQueuedMessages: 1_000 };
  const { a, b, bStream, closes } = await openPair({ duplex: { highWaterMark: 4_096 }, config });
  const got: number[] = [];
  b.on('message', (_ch, data) => got.push(new DataView(data.buffer, data.byteOffset).getUint32(0)));
  bStream.pause(); // the receiving application stops reading
  const accepted: number[] = [];
  for (let i = 0; i < 200; i++) {
    const m = new Uint8Array(1_000);
    new DataView(m.buffer).setUint32(0, i);
    if (a.send(9, m)) accepted.push(i);
    await settle(1);
  }
  const s = a.stats();
  assert.ok(s.dropped > 0, 'some sends were dropped');
  assert.equal(s.dropped + accepted.length, 200);
  assert.ok(s.queuedBytes <= config.maxQueuedBytes, `queued ${s.queuedBytes}`);
  console.log(`# backpressure: accepted ${accepted.length}, dropped ${s.dropped}, queued ${s.queuedBytes} bytes (bound ${config.maxQueuedBytes})`);
  assert.ok(a.congested);
  let drained = false;
  a.once('drain', () => { drained = true; });
  bStream.resume();
  await settle(20);
  assert.ok(drained && !a.congested, "'drain' after the queue emptied");
  assert.deepEqual(got, accepted, 'every accepted message arrives, in order, no nonce gap');
  assert.equal(a.stats().queuedBytes, 0);
  assert.equal(b.state, 'open');
  assert.deepEqual(closes, { a: [], b: [] });
});

test('channel: close(reason) tells the peer, wipes keys, and refuses further sends', async () => {
  const { a, b, closes } = await openPair();
  a.close('node shutting down', LinkCloseCode.SHUTDOWN);
  await settle();
  assert.equal(closes.a[0]?.cause, 'local');
  assert.equal(closes.b[0]?.cause, 'remote');
  assert.equal(closes.b[0]?.closeCode, LinkCloseCode.SHUTDOWN);
  assert.match(closes.b[0]!.message, /node shutting down/);
  assert.equal(a.send(0, text('x')), false);
  assert.equal(b.send(0, text('x')), false);
  a.close(); // idempotent
  assert.equal(closes.a.length, 1);
});

test('channel: a certificate from another CA closes both sides before any application data', async () => {
  const stranger = makeTestNode('bob', 2, OTHER_CA);
  const p = channelPair({ bNode: stranger });
  const got: Uint8Array[] = [];
  p.b.on('message', (_c, d) => got.push(d));
  await settle();
  await assert.rejects(p.a.opened, (e) => isSkeinError(e, ErrorCodes.CERT_UNKNOWN_ISSUER));
  await assert.rejects(p.b.opened);
  assert.equal(p.closes.a[0]?.cause, 'auth-failed');
  assert.equal(p.b.state, 'closed');
  assert.equal(got.length, 0);
  // The responder refusing the initiator: the initiator learns it from the connection ending.
  const q = channelPair({ b: { authenticatePeer: testAuthenticator(OTHER_CA.publicKey) } });
  await settle();
  await assert.rejects(q.b.opened, (e) => isSkeinError(e, ErrorCodes.CERT_UNKNOWN_ISSUER));
  await assert.rejects(q.a.opened, (e) => isSkeinError(e, ErrorCodes.HANDSHAKE) && /refused our certificate/.test((e as Error).message));
  assert.equal(q.closes.b[0]?.cause, 'auth-failed');
});

test('channel: dialing "bob" and reaching carol (valid member, own key) fails with SKEIN_ERR_AUTH', async () => {
  const carol = makeTestNode('carol', 4, TEST_CA);
  const p = channelPair({ bNode: carol, a: { expected: { name: 'bob', idText: BOB.identity.idText } } });
  await settle();
  await assert.rejects(p.a.opened, (e) => isSkeinError(e, ErrorCodes.AUTH) && /expected name 'bob'.*proved name 'carol'/.test((e as Error).message));
  assert.equal(p.closes.a[0]?.cause, 'auth-failed');
  assert.equal(p.a.peer, null, 'no identity is ever reported for a refused peer');
});

test('channel: garbage instead of a handshake, and an oversize frame, close the connection', async () => {
  const clock = new ManualClock();
  for (const garbage of [new Uint8Array(64).fill(0x41), new Uint8Array([0, 0, 0, 40, ...new Uint8Array(40)]), new Uint8Array([0xff, 0xff, 0xff, 0xff])]) {
    const [raw, bStream] = MemoryDuplex.pair();
    const b = new SecureChannel(bStream, { ...handshakeOptions(BOB, 'responder'), clock });
    raw.resume();
    raw.write(garbage);
    await settle();
    assert.equal(b.state, 'closed');
    const cause = b.closeReason?.cause;
    assert.ok(cause === 'handshake-failed' || cause === 'protocol-error' || cause === 'refused', String(cause));
  }
});

test('channel: a tampered or injected frame on an open link closes it (peer told PROTOCOL_ERROR)', async () => {
  const { aStream, b, closes } = await openPair();
  aStream.write(encodeFrame(new Uint8Array(48).fill(7), MAX_FRAME_BYTES));
  await settle();
  assert.equal(b.state, 'closed');
  assert.equal(closes.b[0]?.cause, 'protocol-error');
  assert.equal(closes.b[0]?.error?.code, ErrorCodes.AUTH);
  assert.equal(closes.a[0]?.cause, 'remote');
  assert.equal(closes.a[0]?.closeCode, LinkCloseCode.PROTOCOL_ERROR);

  const q = await openPair();
  q.aStream.write(new Uint8Array([0x7f, 0xff, 0xff, 0xff])); // claims a 2 GiB frame
  await settle();
  assert.equal(q.closes.b[0]?.cause, 'protocol-error');
  assert.equal(q.closes.b[0]?.error?.code, ErrorCodes.FRAME_TOO_LARGE);
});

test('channel: the connection ending or failing closes the link at once', async () => {
  const p = await openPair();
  p.aStream.destroy();
  await settle();
  assert.equal(p.closes.b[0]?.cause, 'stream-ended');
  assert.equal(p.a.state, 'closed');
  const q = await openPair();
  q.bStream.destroy(new Error('ECONNRESET'));
  await settle();
  assert.equal(q.closes.b[0]?.cause, 'stream-error');
  assert.equal(q.closes.a[0]?.cause, 'stream-ended');
});

test('channel: reaching the transport message limit closes the link for a fresh handshake', async () => {
  const { a, closes } = await openPair({ config: { transportMessageLimit: 20 } });
  for (let i = 0; i < 30 && a.state === 'open'; i++) a.send(0, text('x'));
  await settle();
  assert.equal(closes.a[0]?.cause, 'nonce-exhausted');
  assert.equal(closes.a[0]?.error?.code, ErrorCodes.NONCE_EXHAUSTED);
});

test('channel: oversize payloads are a programming error; sends before open return false', () => {
  const p = channelPair();
  assert.equal(p.a.send(0, text('too early')), false);
  assert.throws(() => p.a.send(0, new Uint8Array(MAX_FRAME_BYTES)), (e) => isSkeinError(e, ErrorCodes.ENCODE));
  p.a.close();
  p.b.close();
});
