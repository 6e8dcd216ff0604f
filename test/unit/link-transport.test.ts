/**
 * One compliance suite for every LinkTransport (link/transport.ts): what the
 * link layer relies on holds over TCP on loopback and over the in-memory
 * network alike. Then what only the memory transport offers tests: cuts,
 * hosts going down, and latency in virtual time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import { once } from 'node:events';
import type { LinkListener, LinkTransport, RemoteEndpoint } from '../../src/link/transport.js';
import { TcpTransport } from '../../src/link/transport-tcp.js';
import { MemoryNetwork } from '../../src/link/transport-memory.js';
import { ManualClock } from '../../src/util/clock.js';

interface Subject {
  name: string;
  /** A server-side and a client-side transport, and the address the server listens on and is dialed at. */
  make(): { server: LinkTransport; client: LinkTransport; address: string; clientAddress: string };
}

const SUBJECTS: Subject[] = [
  { name: 'tcp', make: () => ({ server: new TcpTransport(), client: new TcpTransport(), address: '127.0.0.1', clientAddress: '127.0.0.1' }) },
  {
    name: 'memory',
    make: () => {
      const net = new MemoryNetwork();
      return { server: net.host('10.0.0.1'), client: net.host('10.0.0.2'), address: '10.0.0.1', clientAddress: '10.0.0.2' };
    },
  },
];

/** Listen on port 0; `accepted` keeps every accepted stream, `next()` gives them in order. */
async function listening(t: LinkTransport, address: string): Promise<{ listener: LinkListener; accepted: Array<[Duplex, RemoteEndpoint]>; next: () => Promise<Duplex> }> {
  const accepted: Array<[Duplex, RemoteEndpoint]> = [];
  const unclaimed: Duplex[] = [];
  const waiters: Array<(s: Duplex) => void> = [];
  const listener = await t.listen({
    address, port: 0, onConnection: (stream, remote) => {
      accepted.push([stream, remote]);
      const waiter = waiters.shift();
      if (waiter) waiter(stream);
      else unclaimed.push(stream);
    },
  });
  const next = () => new Promise<Duplex>((resolve) => {
    const ready = unclaimed.shift();
    if (ready) resolve(ready);
    else waiters.push(resolve);
  });
  return { listener, accepted, next };
}

function readAll(stream: Duplex): Promise<Buffer> {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return once(stream, 'end').then(() => Buffer.concat(chunks));
}

for (const subject of SUBJECTS) {
  test(`${subject.name}: listen on port 0, dial, bytes both ways (written before connect too), FIN ends the other side`, async () => {
    const { server, client, address, clientAddress } = subject.make();
    const { listener, next, accepted } = await listening(server, address);
    try {
      assert.ok(listener.port > 0, 'a port was picked');
      const dialed = client.dial(address, listener.port);
      dialed.write('hello ');
      const connected = once(dialed, 'connect');
      const acceptedStream = await next();
      await connected;
      assert.equal(accepted[0]?.[1].address.replace(/^::ffff:/, ''), clientAddress, 'the accept side sees the dialer\'s address');
      assert.ok((accepted[0]?.[1].port ?? 0) > 0);
      const atServer = readAll(acceptedStream);
      const atClient = readAll(dialed);
      acceptedStream.write('and back');
      dialed.end('world');
      assert.equal((await atServer).toString(), 'hello world');
      acceptedStream.end();
      assert.equal((await atClient).toString(), 'and back');
    } finally {
      await listener.close();
    }
  });

  test(`${subject.name}: a dial to a port nobody listens on fails with ECONNREFUSED, asynchronously`, async () => {
    const { server, client, address } = subject.make();
    const { listener } = await listening(server, address);
    const port = listener.port;
    await listener.close();
    let failed: NodeJS.ErrnoException | undefined;
    const stream = client.dial(address, port);
    stream.on('error', (err: NodeJS.ErrnoException) => { failed = err; });
    const failedInsideDial = failed !== undefined;
    assert.equal(failedInsideDial, false, 'not inside dial()');
    await new Promise((resolve) => stream.on('close', resolve));
    assert.equal(failed?.code, 'ECONNREFUSED');
  });

  test(`${subject.name}: a port in use refuses a second listener (EADDRINUSE); a closed listener refuses dials, keeps its connections and resolves after them`, async () => {
    const { server, client, address } = subject.make();
    const { listener, next } = await listening(server, address);
    await assert.rejects(server.listen({ address, port: listener.port, onConnection: () => {} }), { code: 'EADDRINUSE' });
    const dialed = client.dial(address, listener.port);
    const acceptedStream = await next();
    let closed = false;
    const closing = listener.close().then(() => { closed = true; });
    const refused = client.dial(address, listener.port);
    const refusal = new Promise<NodeJS.ErrnoException>((resolve) => refused.on('error', resolve));
    assert.equal((await refusal).code, 'ECONNREFUSED', 'no longer accepting');
    const got = once(acceptedStream, 'data');
    dialed.write('still here');
    assert.equal(String((await got)[0]), 'still here');
    assert.equal(closed, false, 'close() waits for the accepted connections');
    dialed.destroy();
    acceptedStream.destroy();
    await closing;
  });

  test(`${subject.name}: a reader that stops reading pushes back on the writer, and every byte arrives once it reads`, async () => {
    const { server, client, address } = subject.make();
    const { listener, next } = await listening(server, address);
    try {
      const dialed = client.dial(address, listener.port);
      await once(dialed, 'connect');
      const reader = await next();
      reader.pause();
      const chunk = Buffer.alloc(64 * 1024, 7);
      let written = 0;
      // Bounded: TCP's kernel buffers take a few MiB at most on loopback.
      for (let i = 0; i < 1024; i++) {
        written += chunk.byteLength;
        if (!dialed.write(chunk)) break;
        if (i % 16 === 15) await new Promise((r) => setImmediate(r));
      }
      assert.ok(written < 1024 * chunk.byteLength, 'write() returned false before the bound');
      const drained = once(dialed, 'drain');
      let received = 0;
      reader.on('data', (c: Buffer) => { received += c.byteLength; });
      reader.resume();
      await drained;
      dialed.end();
      await once(reader, 'end');
      assert.equal(received, written);
      reader.destroy();
    } finally {
      await listener.close();
    }
  });
}

test('memory: cut() silences both ways without FIN and dials between the two hosts hang until heal()', async () => {
  const net = new MemoryNetwork();
  const a = net.host('a');
  const b = net.host('b');
  const { listener, next } = await listening(b, 'b');
  const dialed = a.dial('b', listener.port);
  const accepted = await next();
  assert.equal(net.connectionCount('a', 'b'), 1);
  net.cut('a', 'b');
  let heard = false;
  let ended = false;
  accepted.on('data', () => { heard = true; });
  accepted.on('end', () => { ended = true; });
  dialed.write('lost');
  dialed.end();
  await new Promise((r) => setImmediate(r));
  assert.equal(heard, false, 'bytes vanish');
  assert.equal(ended, false, 'no FIN');

  let outcome = 'none';
  const hanging = a.dial('b', listener.port);
  hanging.on('connect', () => { outcome = 'connect'; });
  hanging.on('error', () => { outcome = 'error'; });
  await new Promise((r) => setImmediate(r));
  assert.equal(outcome, 'none', 'a dial across the cut is never answered');
  hanging.destroy();

  net.heal('a', 'b');
  const again = a.dial('b', listener.port);
  await once(again, 'connect');
  again.destroy();
  accepted.destroy();
});

test('memory: down() takes a host off (its connections go silent, dials to it hang); up() brings it back', async () => {
  const net = new MemoryNetwork();
  const { listener, next } = await listening(net.host('b'), '::');
  const first = net.host('a').dial('b', listener.port);
  const accepted = await next();
  net.down('b');
  let heard = false;
  accepted.on('data', () => { heard = true; });
  first.write('x');
  let outcome = 'none';
  const hanging = net.host('c').dial('b', listener.port);
  hanging.on('connect', () => { outcome = 'connect'; });
  await new Promise((r) => setImmediate(r));
  assert.equal(heard, false);
  assert.equal(outcome, 'none');
  hanging.destroy();
  net.up('b');
  const again = net.host('c').dial('b', listener.port);
  await once(again, 'connect');
  again.destroy();
  first.destroy();
  accepted.destroy();
});

test('memory: with latency, a connect takes a round trip and bytes (then the FIN) one way, on the virtual clock', async () => {
  const clock = new ManualClock();
  const net = new MemoryNetwork({ clock, latency: () => 25 });
  const { listener, accepted } = await listening(net.host('b'), 'b');
  const dialed = net.host('a').dial('b', listener.port);
  let connected = false;
  dialed.on('connect', () => { connected = true; });
  clock.advance(49);
  assert.equal(connected, false);
  clock.advance(1);
  assert.equal(connected, true, 'connected after 2 × 25 ms');
  const stream = accepted[0]![0];
  const got: string[] = [];
  stream.on('data', (c: Buffer) => got.push(c.toString()));
  let ended = false;
  stream.on('end', () => { ended = true; });
  dialed.end('ping');
  await new Promise((r) => setImmediate(r));
  clock.advance(24);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(got, []);
  clock.advance(1);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(got, ['ping'], 'the bytes after 25 ms');
  assert.equal(ended, true, 'the FIN behind them');
});

test('memory: listening on an address that is not the host\'s fails with EADDRNOTAVAIL', async () => {
  const net = new MemoryNetwork();
  await assert.rejects(net.host('a').listen({ address: 'b', port: 1, onConnection: () => {} }), { code: 'EADDRNOTAVAIL' });
});
