/**
 * The native link (native/link.c): an established link's per-packet work in
 * C on the same event loop, once the TypeScript handshake is done.
 *
 *   SecureChannel (handshake, keepalive, close, every decision)
 *     -> hands over: the socket's fd, both transport keys and counters, the
 *        bytes of an incomplete frame already read
 *   NativeLink (framing, both AEAD directions, the send queue)
 *     -> relays transit DATA packets by the route table the data plane
 *        installs (setRoutes), with no JavaScript on the way
 *     -> hands every other message up, decrypted, laid out as the TypeScript
 *        decoder leaves them (a frame's room around each payload)
 *
 * The bytes on the wire are the TypeScript link's; the same tests run over
 * both. A channel keeps the TypeScript path when the addon is missing, when
 * the stream is not a socket (the in-memory transport of tests and the
 * simulator), or when the socket still holds unwritten bytes at hand-over.
 */
import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, type ErrorCode } from '../util/errors.js';

/** Where node-gyp puts the addon, relative to src/link/, dist/link/ or dist/bundle/. */
const ADDON_PATH = fileURLToPath(new URL('../../build/Release/skein_link.node', import.meta.url));

type Host = object;

/** The wire constants the addon was compiled with (held against the TypeScript ones by a test). */
export interface NativeLinkLayout {
  frameHeaderBytes: number;
  maxFrameBytes: number;
  linkProtocolVersion: number;
  linkTypePayload: number;
  linkPayloadOverhead: number;
  meshPacketChannel: number;
  meshPacketVersion: number;
  packetTypeData: number;
  packetSourceOffset: number;
  packetDestinationOffset: number;
  packetHopLimitOffset: number;
  packetHeaderBytes: number;
  dataMinBodyBytes: number;
  txHighWaterBytes: number;
  receiveBufferBytes: number;
  maxLinks: number;
  maxRoutes: number;
}

interface LinkAddon {
  create(localId: Uint8Array, onMessages: (id: number, frames: Buffer) => void, onEnd: (id: number, kind: number, message: string) => void, onDrain: (id: number) => void): Host;
  release(host: Host): void;
  attach(host: Host, fd: number, sendKey: Uint8Array, sendCounter: number, receiveKey: Uint8Array, receiveCounter: number, messageLimit: number, queueLimit: number, leftover: Uint8Array): number;
  send(host: Host, id: number, frame: Uint8Array): number;
  end(host: Host, id: number): void;
  destroy(host: Host, id: number): void;
  stats(host: Host, id: number, out: Float64Array): boolean;
  counters(host: Host, out: Float64Array): void;
  setRoutes(host: Host, ids: Uint8Array, linkIds: Uint32Array): void;
  layout(): NativeLinkLayout;
}

/** What `NativeLink.send` did with a frame. */
export const NativeSendResult = {
  /** Written or queued. */
  SENT: 0,
  /** Written or queued, and the queue is past its high-water mark: wait for onDrain. */
  BLOCKED: 1,
  /** Not sent: the send counter reached the message limit. */
  EXHAUSTED: 2,
  /** Not sent: the link is ending or failed. */
  CLOSED: 3,
} as const;
export type NativeSendResultCode = (typeof NativeSendResult)[keyof typeof NativeSendResult];

/** Why a native link stopped reading, as `onEnd` reports it. */
export type NativeLinkEnd =
  | { kind: 'eof'; message: string }
  | { kind: 'stream-error'; message: string }
  | { kind: 'protocol'; code: ErrorCode; message: string };

/** native/link.c's end kinds, in order. */
const END_KINDS: ReadonlyArray<(message: string) => NativeLinkEnd> = [
  (message) => ({ kind: 'eof', message }),
  (message) => ({ kind: 'stream-error', message }),
  (message) => ({ kind: 'protocol', code: ErrorCodes.AUTH, message }),
  (message) => ({ kind: 'protocol', code: ErrorCodes.FRAME_TOO_LARGE, message }),
  (message) => ({ kind: 'protocol', code: ErrorCodes.NONCE_EXHAUSTED, message }),
];

export interface NativeLinkEvents {
  /** Opened frames, each `u32 body length || plaintext || 16 spare bytes`, back to back in one fresh buffer. */
  onFrames(frames: Buffer): void;
  /** The link stopped reading (EOF, socket error, or a frame that failed); once. */
  onEnd(end: NativeLinkEnd): void;
  /** The send queue has flushed after a send returned BLOCKED. */
  onDrain(): void;
}

/** Everything the native side takes over from a channel whose handshake is done. */
export interface NativeLinkHandOver {
  fd: number;
  sendKey: Uint8Array;
  sendCounter: number;
  receiveKey: Uint8Array;
  receiveCounter: number;
  messageLimit: number;
  /** Transit bytes a link's send queue takes before the relay drops (the channel's maxQueuedBytes). */
  queueLimit: number;
  /** The bytes of one incomplete frame already read from the socket. */
  leftover: Uint8Array;
}

export interface NativeLinkStats {
  bytesReceived: number;
  messagesReceived: number;
  bytesSent: number;
  messagesSent: number;
  queuedBytes: number;
  transitDropped: number;
}

export interface NativeRelayCounters {
  /** Transit packets relayed in C. */
  forwarded: number;
  /** Transit packets dropped because the next hop's queue was full. */
  transitDropped: number;
}

/** Every member this node has a route to, and the native link its packets leave on. */
export type NativeRouteSource = () => Iterable<readonly [id: Uint8Array, link: NativeLink]>;

const NODE_ID_BYTES = 16;

/**
 * The fd a net.Socket can hand over: connected, nothing waiting to be
 * written (those bytes would interleave with the native side's), the
 * handle's fd known. Null for anything else (other streams keep the
 * TypeScript path).
 */
export function handOverFd(stream: Duplex): number | null {
  if (!(stream instanceof Socket) || stream.connecting || stream.destroyed || stream.writableLength !== 0) return null;
  const fd = (stream as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : null;
}

export class NativeLink {
  private readonly statsOut = new Float64Array(6);
  private gone = false;

  constructor(private readonly host: NativeLinks, readonly id: number, readonly events: NativeLinkEvents) {}

  /** Seal a frame (`u32 room || message || 16 bytes room`, the link's from now) in place and write it. */
  send(frame: Uint8Array): NativeSendResultCode {
    if (this.gone || this.host.isReleased) return NativeSendResult.CLOSED;
    return this.host.addon.send(this.host.handle, this.id, frame) as NativeSendResultCode;
  }

  /** Flush what is queued, then shut the write side; reading goes on until the peer's EOF. */
  end(): void {
    if (!this.gone && !this.host.isReleased) this.host.addon.end(this.host.handle, this.id);
  }

  /** Close the socket now; the queue is discarded and the keys wiped. Idempotent. */
  destroy(): void {
    if (this.gone) return;
    this.gone = true;
    this.host.forget(this);
  }

  /** Counters since the hand-over (zeros once destroyed: the channel keeps its last reading). */
  stats(): NativeLinkStats | null {
    if (this.gone || this.host.isReleased || !this.host.addon.stats(this.host.handle, this.id, this.statsOut)) return null;
    const s = this.statsOut;
    return { bytesReceived: s[0]!, messagesReceived: s[1]!, bytesSent: s[2]!, messagesSent: s[3]!, queuedBytes: s[4]!, transitDropped: s[5]! };
  }
}

/** One per daemon: the addon's state, its links by id, the route table. */
export class NativeLinks {
  readonly handle: Host;
  private readonly links = new Map<number, NativeLink>();
  private readonly countersOut = new Float64Array(2);
  private routeSource: NativeRouteSource | null = null;
  private refreshQueued = false;
  private released = false;

  private constructor(readonly addon: LinkAddon, localId: Uint8Array) {
    this.handle = addon.create(
      localId,
      (id, frames) => this.links.get(id)?.events.onFrames(frames),
      (id, kind, message) => this.links.get(id)?.events.onEnd((END_KINDS[kind] ?? END_KINDS[1]!)(message)),
      (id) => this.links.get(id)?.events.onDrain(),
    );
  }

  /** The native links of a node with id `localId`, or why there are none (the addon was not built). */
  static load(localId: Uint8Array): NativeLinks | string {
    let addon: LinkAddon;
    try {
      addon = createRequire(import.meta.url)(ADDON_PATH) as LinkAddon;
    } catch (err) {
      return `native link addon not loaded (${ADDON_PATH}): ${(err as Error).message}`;
    }
    return new NativeLinks(addon, localId);
  }

  /** True after release(): every link is closed. */
  get isReleased(): boolean {
    return this.released;
  }

  /** The wire constants compiled into the addon. */
  layout(): NativeLinkLayout {
    return this.addon.layout();
  }

  /** Take over a socket's established link. Throws (SKEIN_LINK_*) if the addon refuses it; the socket is then untouched. */
  attach(handOver: NativeLinkHandOver, events: NativeLinkEvents): NativeLink {
    if (this.released) throw new Error('native links were released');
    const h = handOver;
    const id = this.addon.attach(this.handle, h.fd, h.sendKey, h.sendCounter, h.receiveKey, h.receiveCounter, h.messageLimit, h.queueLimit, h.leftover);
    const link = new NativeLink(this, id, events);
    this.links.set(id, link);
    this.queueRouteRefresh();
    return link;
  }

  /** Where the route table comes from; it is read again whenever routing or the set of native links changes. */
  routesFrom(source: NativeRouteSource): void {
    this.routeSource = source;
    this.queueRouteRefresh();
  }

  /** Routing changed: install the table again (once per event-loop turn, however many changes). */
  queueRouteRefresh(): void {
    if (this.refreshQueued || this.routeSource === null || this.released) return;
    this.refreshQueued = true;
    setImmediate(() => {
      this.refreshQueued = false;
      this.installRoutes();
    });
  }

  counters(): NativeRelayCounters {
    if (!this.released) this.addon.counters(this.handle, this.countersOut);
    return { forwarded: this.countersOut[0]!, transitDropped: this.countersOut[1]! };
  }

  /** Close every native link (the daemon's stop). */
  release(): void {
    if (this.released) return;
    this.counters();
    this.released = true;
    this.links.clear();
    this.addon.release(this.handle);
  }

  /** @internal NativeLink.destroy */
  forget(link: NativeLink): void {
    this.links.delete(link.id);
    if (!this.released) this.addon.destroy(this.handle, link.id);
    this.queueRouteRefresh();
  }

  private installRoutes(): void {
    if (this.routeSource === null || this.released) return;
    const entries = [...this.routeSource()].filter(([, link]) => this.links.get(link.id) === link);
    const ids = new Uint8Array(entries.length * NODE_ID_BYTES);
    const linkIds = new Uint32Array(entries.length);
    entries.forEach(([id, link], i) => {
      ids.set(id, i * NODE_ID_BYTES);
      linkIds[i] = link.id;
    });
    this.addon.setRoutes(this.handle, ids, linkIds);
  }
}
