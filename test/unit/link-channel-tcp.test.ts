/** The same channel over a real TCP connection on loopback (net.Socket), with the real clock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { SecureChannel } from '../../src/link/channel.js';
import type { LinkCloseReason } from '../../src/link/channel-types.js';
import type { LinkConfig } from '../../src/link/config.js';
import { RealClock } from '../../src/util/clock.js';
import { LinkCloseCode } from '../../src/wire/link-constants.js';
import { ALICE, BOB, handshakeOptions } from './link-fixtures.js';

const TEST_TIMEOUT_MS = 10_000;

interface TcpPair {
  a: SecureChannel;
  b: SecureChannel;
  serverSocket: net.Socket;
}

/** A listening server on 127.0.0.1, one client connection, a channel on each end. */
async function withTcpPair(config: Partial<LinkConfig>, body: (pair: TcpPair) => Promise<void>): Promise<void> {
  const clock = new RealClock();
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  try {
    const accepted = once(server, 'connection') as Promise<[net.Socket]>;
    const socket = net.connect({ host: '127.0.0.1', port });
    const a = new SecureChannel(socket, { ...handshakeOptions(ALICE, 'initiator', { expected: { name: 'bob' }, responderStaticKey: BOB.staticKeyPair.publicKey }), clock, config });
    const [serverSocket] = await accepted;
    const b = new SecureChannel(serverSocket, { ...handshakeOptions(BOB, 'responder'), clock, config });
    await body({ a, b, serverSocket });
  } finally {
    server.close();
  }
}

test('channel over net.Socket on 127.0.0.1: handshake, messages both ways, RTT, clean close', { timeout: TEST_TIMEOUT_MS }, async () => {
  const started = performance.now();
  await withTcpPair({ keepaliveIntervalMs: 50, deadAfterMs: 2_000 }, async ({ a, b }) => {
    const [peerOfA, peerOfB] = await Promise.all([a.opened, b.opened]);
    const handshakeMs = performance.now() - started;
    assert.equal(peerOfA.name, 'bob');
    assert.equal(peerOfB.name, 'alice');

    const big = new Uint8Array(60_000).map((_, i) => i & 0xff);
    const gotAtB: Uint8Array[] = [];
    const allAtB = new Promise<void>((resolve) => b.on('message', (_c, d) => { gotAtB.push(d); if (gotAtB.length === 50) resolve(); }));
    for (let i = 0; i < 50; i++) {
      assert.ok(a.send(3, big));
      if (a.congested) await once(a, 'drain'); // a loss-averse sender waits instead of filling the queue
    }
    await allAtB;
    assert.ok(gotAtB.every((d) => Buffer.compare(Buffer.from(d), Buffer.from(big)) === 0));
    const echo = new Promise<Uint8Array>((resolve) => a.once('message', (_c, d) => resolve(d)));
    b.send(4, new TextEncoder().encode('pong from bob'));
    assert.equal(new TextDecoder().decode(await echo), 'pong from bob');

    await new Promise<void>((resolve) => { if (a.stats().rttMs !== null) resolve(); else a.once('rtt', () => resolve()); });
    const stats = a.stats();
    assert.ok(stats.rttMs !== null && stats.rttMs >= 0 && stats.rttMs < 1_000);
    assert.ok(stats.bytesSent > 50 * 60_000);

    const closedB = once(b, 'close') as Promise<[LinkCloseReason]>;
    a.close('test done', LinkCloseCode.SHUTDOWN);
    const [reason] = await closedB;
    assert.equal(reason.cause, 'remote');
    assert.equal(reason.closeCode, LinkCloseCode.SHUTDOWN);
    console.log(`# tcp loopback: connect + handshake ${handshakeMs.toFixed(1)} ms, 50 x 60 KB delivered, rtt ${stats.rttMs?.toFixed(3)} ms`);
  });
});

test('channel over net.Socket: a peer that resets the connection closes the link at once', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withTcpPair({}, async ({ a, b, serverSocket }) => {
    await Promise.all([a.opened, b.opened]);
    const closedA = once(a, 'close') as Promise<[LinkCloseReason]>;
    const t0 = performance.now();
    serverSocket.resetAndDestroy();
    const [reason] = await closedA;
    assert.ok(reason.cause === 'stream-error' || reason.cause === 'stream-ended', reason.cause);
    console.log(`# tcp reset noticed in ${(performance.now() - t0).toFixed(1)} ms (${reason.cause}: ${reason.message})`);
  });
});
