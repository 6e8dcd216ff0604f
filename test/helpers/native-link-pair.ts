/**
 * A native link (native/link.c through src/link/native-link.ts) on one end
 * of a real loopback TCP connection, and a plain net.Socket on the other
 * end driven by the TypeScript reference of the same transport
 * (TransportSender/TransportReceiver + link framing). Tests put bytes in at
 * one end and hold what comes out at the other against the reference.
 *
 *   TS peer (net.Socket)  <-- TCP 127.0.0.1 -->  native link (handed-over fd)
 *     toNative:   seals with the native link's receive key and counter
 *     fromNative: opens with the native link's send key and counter
 *
 * Every socket and server made here is closed by `LoopbackServer.close()`.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { TRANSPORT_MESSAGE_LIMIT, TransportReceiver, TransportSender } from '../../src/crypto/transport.js';
import { AEAD_TAG_BYTES } from '../../src/crypto/primitives.js';
import { FrameDecoder, encodeFrame } from '../../src/link/framing.js';
import { handOverFd, type NativeLink, type NativeLinkEnd, type NativeLinks } from '../../src/link/native-link.js';
import { FRAME_HEADER_BYTES, MAX_FRAME_BYTES } from '../../src/wire/link-constants.js';
import { waitFor } from './wait.js';

/** How long a helper waits for something to arrive before failing. */
export const ARRIVAL_TIMEOUT_MS = 5_000;

/** TransportSender starting at any counter (as a hand-over does), for the reference side. */
export class SenderAt extends TransportSender {
  constructor(key: Uint8Array, counter: number, messageLimit = TRANSPORT_MESSAGE_LIMIT) {
    super(key, messageLimit);
    this.counter = counter;
  }
}

/** TransportReceiver starting at any counter. */
export class ReceiverAt extends TransportReceiver {
  constructor(key: Uint8Array, counter: number, messageLimit = TRANSPORT_MESSAGE_LIMIT) {
    super(key, messageLimit);
    this.counter = counter;
  }
}

/** The reference wire frame of one message: `u32be length || seal(message)`. */
export function sealFrame(sender: TransportSender, message: Uint8Array): Uint8Array {
  return encodeFrame(sender.seal(message), MAX_FRAME_BYTES);
}

/**
 * Walk one onFrames buffer: back-to-back `u32be body length || plaintext ||
 * 16 spare bytes`. Throws if the layout is off (a short body, trailing bytes).
 */
export function walkFrames(buffer: Uint8Array): Uint8Array[] {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < buffer.byteLength) {
    if (buffer.byteLength - at < FRAME_HEADER_BYTES) throw new Error(`onFrames buffer: ${buffer.byteLength - at} stray bytes at ${at}`);
    const body = view.getUint32(at);
    if (body < AEAD_TAG_BYTES) throw new Error(`onFrames buffer: body of ${body} bytes at ${at} has no room for the tag`);
    if (at + FRAME_HEADER_BYTES + body > buffer.byteLength) throw new Error(`onFrames buffer: frame at ${at} (${body} bytes) runs past the end (${buffer.byteLength})`);
    out.push(new Uint8Array(buffer.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + body - AEAD_TAG_BYTES)));
    at += FRAME_HEADER_BYTES + body;
  }
  return out;
}

/** What the native link reported through its events. */
export class Recorder {
  readonly buffers: Buffer[] = [];
  readonly messages: Uint8Array[] = [];
  readonly ends: NativeLinkEnd[] = [];
  drains = 0;
  /** A layout error found while walking a buffer (the test fails on it). */
  layoutError: Error | null = null;
  /** Messages delivered after an end was reported (must stay 0). */
  afterEnd = 0;

  readonly events = {
    onFrames: (frames: Buffer): void => {
      this.buffers.push(frames);
      if (this.ends.length > 0) this.afterEnd++;
      try {
        this.messages.push(...walkFrames(frames));
      } catch (err) {
        this.layoutError ??= err as Error;
      }
    },
    onEnd: (end: NativeLinkEnd): void => {
      this.ends.push(end);
    },
    onDrain: (): void => {
      this.drains++;
    },
  };

  async messagesAtLeast(n: number, what = `${n} messages up from the native link`): Promise<void> {
    await waitFor(() => this.layoutError !== null || this.messages.length >= n, { timeoutMs: ARRIVAL_TIMEOUT_MS, intervalMs: 2, what });
    if (this.layoutError !== null) throw this.layoutError;
  }

  async end(what = 'onEnd from the native link'): Promise<NativeLinkEnd> {
    await waitFor(() => this.ends.length > 0, { timeoutMs: ARRIVAL_TIMEOUT_MS, intervalMs: 2, what });
    return this.ends[0]!;
  }
}

/** Everything the TS peer reads: the raw bytes, and the messages the reference receiver opens from them. */
export class PeerReader {
  readonly chunks: Buffer[] = [];
  bytes = 0;
  readonly messages: Uint8Array[] = [];
  error: Error | null = null;
  ended = false;
  closed = false;
  /** Messages opened when 'end' arrived. */
  messagesAtEnd = -1;
  private readonly decoder = new FrameDecoder(MAX_FRAME_BYTES);

  constructor(readonly socket: net.Socket, private readonly receiver: TransportReceiver | null) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => {
      this.ended = true;
      this.messagesAtEnd = this.messages.length;
    });
    socket.on('close', () => {
      this.closed = true;
    });
  }

  get raw(): Buffer {
    return Buffer.concat(this.chunks);
  }

  async bytesAtLeast(n: number, what = `${n} bytes at the TS peer`): Promise<void> {
    await waitFor(() => this.bytes >= n, { timeoutMs: ARRIVAL_TIMEOUT_MS, intervalMs: 2, what });
  }

  async messagesAtLeast(n: number, what = `${n} messages at the TS peer`, timeoutMs = ARRIVAL_TIMEOUT_MS): Promise<void> {
    await waitFor(() => this.error !== null || this.messages.length >= n, { timeoutMs, intervalMs: 2, what });
    if (this.error !== null) throw this.error;
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.byteLength;
    if (this.receiver === null || this.error !== null) return;
    try {
      this.decoder.push(chunk);
      for (let f = this.decoder.next(); f !== null; f = this.decoder.next()) this.messages.push(this.receiver.open(f));
    } catch (err) {
      this.error = err as Error;
    }
  }
}

export interface PairOptions {
  /** The link's keys (random unless given). */
  sendKey?: Uint8Array;
  receiveKey?: Uint8Array;
  sendCounter?: number;
  receiveCounter?: number;
  messageLimit?: number;
  queueLimit?: number;
  leftover?: Uint8Array;
  /** The TS peer reads through a PeerReader from the start (default true; false: the test reads). */
  read?: boolean;
}

export interface NativePair {
  link: NativeLink;
  recorder: Recorder;
  /** The TypeScript end of the connection. */
  peer: net.Socket;
  /** Set unless `read: false`. */
  reader: PeerReader | null;
  sendKey: Uint8Array;
  receiveKey: Uint8Array;
  sendCounter: number;
  receiveCounter: number;
  /** The reference sealing what the peer sends the native link (its receive key and counter). */
  toNative: TransportSender;
  /** The reference opening what the native link sends (its send key and counter); also the reader's. */
  fromNative: TransportReceiver;
}

/** A loopback listener whose connections and sockets all close with it. */
export class LoopbackServer {
  private readonly sockets = new Set<net.Socket>();
  private readonly linksMade: NativeLink[] = [];

  private constructor(private readonly server: net.Server, readonly port: number) {
    server.on('connection', (s) => this.track(s));
  }

  static async open(): Promise<LoopbackServer> {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return new LoopbackServer(server, (server.address() as net.AddressInfo).port);
  }

  /** One TCP connection: [client, accepted]. */
  async connect(): Promise<[net.Socket, net.Socket]> {
    const accepted = once(this.server, 'connection') as Promise<[net.Socket]>;
    const client = this.track(net.connect({ host: '127.0.0.1', port: this.port }));
    await once(client, 'connect');
    const [server] = await accepted;
    return [client, server];
  }

  /**
   * A connection whose client end is handed to a native link of `links`
   * (as channel.ts hands a socket over: the fd, then the JS socket is
   * destroyed; the addon holds a duplicate), the accepted end left as the
   * TS peer.
   */
  async nativePair(links: NativeLinks, opts: PairOptions = {}): Promise<NativePair> {
    const [client, peer] = await this.connect();
    peer.setNoDelay(true);
    const sendKey = new Uint8Array(opts.sendKey ?? randomBytes(32));
    const receiveKey = new Uint8Array(opts.receiveKey ?? randomBytes(32));
    const sendCounter = opts.sendCounter ?? 0;
    const receiveCounter = opts.receiveCounter ?? 0;
    const fd = handOverFd(client);
    if (fd === null) throw new Error('handOverFd refused a connected, idle net.Socket');
    const recorder = new Recorder();
    const link = links.attach({
      fd,
      sendKey: new Uint8Array(sendKey),
      sendCounter,
      receiveKey: new Uint8Array(receiveKey),
      receiveCounter,
      messageLimit: opts.messageLimit ?? TRANSPORT_MESSAGE_LIMIT,
      queueLimit: opts.queueLimit ?? 4 * 1024 * 1024,
      leftover: opts.leftover ?? new Uint8Array(0),
    }, recorder.events);
    this.linksMade.push(link);
    client.removeAllListeners();
    client.on('error', () => {});
    client.destroy();
    const fromNative = new ReceiverAt(sendKey, sendCounter);
    const reader = opts.read === false ? null : new PeerReader(peer, fromNative);
    return { link, recorder, peer, reader, sendKey, receiveKey, sendCounter, receiveCounter, toNative: new SenderAt(receiveKey, receiveCounter), fromNative };
  }

  async close(): Promise<void> {
    for (const link of this.linksMade) link.destroy();
    for (const s of this.sockets) {
      s.on('error', () => {});
      s.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track(s: net.Socket): net.Socket {
    this.sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => this.sockets.delete(s));
    return s;
  }
}

/** Write `bytes` to `socket` and wait until they are handed to the kernel. */
export async function writeAll(socket: net.Socket, bytes: Uint8Array): Promise<void> {
  await new Promise<void>((resolve, reject) => socket.write(bytes, (err) => (err ? reject(err) : resolve())));
}

/** Let the event loop run for a while (to show that nothing more arrives). */
export async function settle(ms = 50): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}
