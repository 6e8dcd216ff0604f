/**
 * SecureChannel: an authenticated, encrypted link over any byte stream
 * (net.Socket in the daemon, MemoryDuplex in tests and the simulator).
 *
 * Receive pipeline:  stream 'data' -> FrameDecoder (small max until the
 *   handshake is done; a listener's first frame at most one keyed
 *   initiation) -> listener: initiation check (mac1, before any DH) ->
 *   Noise XX handshake | transport open (strict
 *   counter) -> link message decode -> ping, pong, echo: keepalive.ts
 *   (answer, RTT) / close: end / payload: the receiver (receive()), or
 *   'message' events.
 * Send pipeline:  send() -> frame with the payload copied in, or sendOwned()
 *   -> frame around the caller's buffer -> Outbound (outbound.ts: bounded
 *   queue while backpressured, seal in place, write).
 *
 * Native hand-over: given NativeLinks (native-link.ts) and a socket, an
 *   open channel hands the socket's bytes to the native link at the end of
 *   the read in which it opened: framing, transport open and seal, and
 *   relaying of transit packets move to C; decisions stay here (the native
 *   side hands up every message it does not relay, and every failure).
 *
 * Failure policy: anything wrong before authentication closes the
 * connection (counted by the caller through the close reason); a decode or
 * authentication error on an open link closes that link. The channel never
 * throws from stream events and never exits the process. States and the
 * close vocabulary are in channel-types.ts; every timer is in timers.ts.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { NoiseXX, HandshakeResult } from '../crypto/noise.js';
import { AEAD_TAG_BYTES, wipe } from '../crypto/primitives.js';
import { type TransportPair, transportPair } from '../crypto/transport.js';
import type { Clock } from '../util/clock.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { hasRoom, widen } from '../wire/frame-room.js';
import { FRAME_HEADROOM, FRAME_TAILROOM } from '../wire/packet-room.js';
import {
  FRAME_HEADER_BYTES, LINK_INITIATION_KEYED_BYTES, LinkCloseCode, MAX_FRAME_BYTES, MAX_HANDSHAKE_FRAME_BYTES,
} from '../wire/link-constants.js';
import { decodeInitiation, encodeInitiation } from '../wire/link-initiation.js';
import {
  type LinkMessage, decodeLinkMessage, encodeClose, encodePayload, writePayloadHeader,
} from '../wire/link-messages.js';
import {
  CHANNEL_TRANSITIONS, type ChannelState, type LinkCloseCause, type LinkCloseReason, type LinkStats, type SecureChannelEvents,
} from './channel-types.js';
import { type LinkConfig, resolveLinkConfig } from './config.js';
import { FrameDecoder, encodeFrame } from './framing.js';
import { type LinkHandshakeOptions, createLinkHandshake, linkPrologue } from './handshake.js';
import { checkMac1, computeMac1, mac1Key } from './mac1.js';
import { type NativeLink, type NativeLinkEnd, type NativeLinks, handOverFd } from './native-link.js';
import { Outbound, unsealedFrameFor } from './outbound.js';
import { KeepaliveExchange } from './keepalive.js';
import { RttEstimator } from './rtt.js';
import { LinkTimers } from './timers.js';
import type { Member } from '../identity/member.js';

/**
 * Payloads a channel holds for its receiver while none is attached: a
 * channel opens inside a read and may decode the peer's first messages
 * (its routing summary and records) from that same read, before whoever
 * awaits `opened` can attach one. Beyond this many, payloads are dropped,
 * as a full send queue drops them (senders that need them resend).
 */
export const MAX_HELD_MESSAGES = 64;

/** Where an open channel's payloads go: the channel number and the message (a view into the read chunk). */
export type PayloadReceiver = (channel: number, data: Uint8Array) => void;

export interface SecureChannelOptions extends LinkHandshakeOptions {
  clock: Clock;
  config?: Partial<LinkConfig>;
  /** Where an open link over a socket hands its per-packet work (default: none, the TypeScript path throughout). */
  nativeLinks?: NativeLinks;
}

/** The CLOSE code we send for each way of closing (when we can still send). */
const CLOSE_CODE_FOR: Partial<Record<LinkCloseCause, number>> = {
  'peer-silent': LinkCloseCode.NORMAL,
  'protocol-error': LinkCloseCode.PROTOCOL_ERROR,
  'auth-failed': LinkCloseCode.AUTH_FAILED,
};

export class SecureChannel extends EventEmitter<SecureChannelEvents> {
  readonly role: LinkHandshakeOptions['role'];
  /** Resolves with the proven peer once open; rejects with the SkeinError that prevented it. */
  readonly opened: Promise<Member>;
  private resolveOpened!: (peer: Member) => void;
  private rejectOpened!: (err: SkeinError) => void;

  private current: ChannelState = 'handshaking';
  private readonly clock: Clock;
  private readonly config: LinkConfig;
  private readonly handshake: NoiseXX<Member>;
  private transport: TransportPair | null = null;
  private proven: Member | null = null;
  private hash: Uint8Array | null = null;

  private readonly decoder: FrameDecoder;
  private readonly prologue: Uint8Array;
  /** Initiator: keyed by the listener's key, if known. Listener: keyed by ours. */
  private readonly macKey: Uint8Array | null;
  private readonly admitUnkeyed: () => boolean;
  /** Listener: the initiation passed its check (until then nothing was computed or sent). */
  private initiationAccepted = false;
  private readonly inbox: Uint8Array[] = [];
  private draining = false;
  private readonly out: Outbound;

  private readonly timers: LinkTimers;
  private readonly rtt = new RttEstimator();
  private readonly keepalive: KeepaliveExchange;
  private openedAt: number | null = null;
  private closedAt = 0;
  private reason: LinkCloseReason | null = null;
  private readonly received = { bytesReceived: 0, messagesReceived: 0 };
  private receiver: PayloadReceiver | null = null;
  /** The native link's counters as last read (kept after it is destroyed). */
  private lastNative = { bytesSent: 0, messagesSent: 0, bytesReceived: 0, messagesReceived: 0, queuedBytes: 0 };
  /** Payloads waiting for a receiver (see MAX_HELD_MESSAGES). */
  private held: Array<[number, Uint8Array]> = [];
  private readonly nativeLinks: NativeLinks | null;
  /** Set once the socket was handed over: from then on the stream is gone and this carries the bytes. */
  private native: NativeLink | null = null;
  /** The native link's received-message count when the silence check last looked. */
  private nativeMessagesSeen = 0;
  private readonly streamHandlers: ReadonlyArray<readonly [event: string, handler: Parameters<Duplex['on']>[1]]>;

  constructor(private readonly stream: Duplex, opts: SecureChannelOptions) {
    super();
    this.role = opts.role;
    this.clock = opts.clock;
    this.config = resolveLinkConfig(opts.config);
    this.opened = new Promise<Member>((resolve, reject) => {
      this.resolveOpened = resolve;
      this.rejectOpened = reject;
    });
    this.opened.catch(() => {}); // a caller that only listens to 'close' must not cause an unhandled rejection
    this.out = new Outbound(stream, this.config, () => this.onNonceExhausted());
    this.handshake = createLinkHandshake(opts);
    this.prologue = linkPrologue(opts.clusterId);
    const macOwner = opts.role === 'responder' ? opts.staticKeyPair.publicKey : opts.responderStaticKey;
    this.macKey = macOwner === undefined ? null : mac1Key(macOwner);
    this.admitUnkeyed = opts.admitUnkeyed ?? (() => false);
    this.nativeLinks = opts.nativeLinks ?? null;
    // A listener buffers at most one keyed initiation before the first check.
    this.decoder = new FrameDecoder(opts.role === 'responder' ? LINK_INITIATION_KEYED_BYTES : MAX_HANDSHAKE_FRAME_BYTES, 'link');
    this.keepalive = new KeepaliveExchange(this.clock);
    this.timers = new LinkTimers(this.clock, this.config, {
      onHandshakeTimeout: () => this.onHandshakeTimeout(),
      onKeepaliveDue: () => this.sendPing(),
      onPeerSilent: () => this.onPeerSilent(),
      onLingerExpired: () => (this.native !== null ? this.native.destroy() : this.stream.destroy()),
      heardElsewhere: () => this.heardByNativeLink(),
    });
    this.streamHandlers = [
      ['data', (chunk: Buffer) => this.onData(chunk)],
      ['drain', () => this.onDrain()],
      ['end', () => this.onStreamEnd()],
      ['close', () => this.onStreamClose()],
      ['error', (err: Error) => this.onStreamError(err)],
    ];
    for (const [event, handler] of this.streamHandlers) stream.on(event, handler);
    this.start();
  }

  get state(): ChannelState {
    return this.current;
  }

  private get closed(): boolean {
    return this.current === 'closed';
  }

  /** The authenticated peer (null until the handshake has proven it). */
  get peer(): Member | null {
    return this.proven;
  }

  /** The Noise handshake hash: a value both ends share, for channel binding. */
  get handshakeHash(): Uint8Array | null {
    return this.hash;
  }

  /** True while the socket is backpressured or messages wait in the queue; 'drain' follows. */
  get congested(): boolean {
    return this.out.congested;
  }

  get closeReason(): LinkCloseReason | null {
    return this.reason;
  }

  /** Listener: true once the initiation passed its check (the dialer knew our key, or was admitted unkeyed). */
  get initiated(): boolean {
    return this.initiationAccepted;
  }

  /** The native link carrying this channel, while it is open (the data plane's route table names it). */
  get nativeLink(): NativeLink | null {
    return this.current === 'open' ? this.native : null;
  }

  stats(): LinkStats {
    const native = this.native?.stats() ?? null;
    if (native !== null) this.lastNative = native;
    const n = this.lastNative;
    return {
      state: this.current,
      ...this.out.counters,
      bytesSent: this.out.counters.bytesSent + n.bytesSent,
      messagesSent: this.out.counters.messagesSent + n.messagesSent,
      bytesReceived: this.received.bytesReceived + n.bytesReceived,
      messagesReceived: this.received.messagesReceived + n.messagesReceived,
      queuedBytes: this.out.queuedBytes + n.queuedBytes,
      queuedMessages: this.out.queuedMessages,
      rttMs: this.rtt.smoothedMs,
      rttLatestMs: this.rtt.latestMs,
      rttMinMs: this.rtt.minMs,
      uptimeMs: this.openedAt === null ? 0 : (this.reason === null ? this.clock.monotonic() : this.closedAt) - this.openedAt,
    };
  }

  /**
   * Send an opaque payload on `channel` (0..255); `data` is copied. True if
   * written or queued; false if the link is not open or the bounded queue is
   * full (then counted in `dropped`). Throws SKEIN_ERR_ENCODE for an
   * oversize payload.
   */
  send(channel: number, data: Uint8Array): boolean {
    const frame = unsealedFrameFor(encodePayload(channel, data));
    if (this.current !== 'open') return false;
    return this.out.sendPayload(frame) && this.current === 'open';
  }

  /**
   * Like `send`, without a copy: `data` and the room around it
   * (wire/frame-room.ts) become the link's, which writes the frame header
   * into the headroom and seals in place. Falls back to `send` when `data`
   * has no room.
   */
  sendOwned(channel: number, data: Uint8Array): boolean {
    if (!hasRoom(data)) return this.send(channel, data);
    const frame = widen(data, FRAME_HEADROOM, FRAME_TAILROOM);
    writePayloadHeader(frame.subarray(FRAME_HEADER_BYTES), channel, data.byteLength);
    if (this.current !== 'open') return false;
    return this.out.sendPayload(frame) && this.current === 'open';
  }

  /**
   * Attach the one receiver of payloads: those held since the channel
   * opened are delivered to it at once, in order, then every later one.
   * Until a receiver is attached, payloads are held unless someone listens
   * to 'message' events (which get every payload, receiver or not).
   */
  receive(receiver: PayloadReceiver): void {
    this.receiver = receiver;
    const held = this.held;
    this.held = [];
    for (const [channel, data] of held) {
      if (this.closed || this.receiver !== receiver) break;
      receiver(channel, data);
    }
  }

  /** Close the link, telling the peer why. Idempotent. */
  close(text = 'closed locally', code: number = LinkCloseCode.NORMAL): void {
    this.finish({ cause: 'local', message: text, closeCode: code }, true);
  }

  // ---- handshake --------------------------------------------------------

  private start(): void {
    this.timers.startHandshake();
    this.guard(() => {
      const msg1 = this.handshake.start();
      if (msg1 === null) return;
      const mac1 = this.macKey === null ? null : computeMac1(this.macKey, this.prologue, msg1);
      this.out.writeFrame(encodeFrame(encodeInitiation(msg1, mac1), MAX_HANDSHAKE_FRAME_BYTES));
    });
  }

  /**
   * Listener, first frame: refuse, before any Diffie-Hellman and without a
   * word, an initiation that is malformed, carries a wrong mac1, or is
   * unkeyed and not admitted. Returns Noise message 1 to go on with.
   */
  private checkInitiation(frame: Uint8Array): Uint8Array {
    let init;
    try {
      init = decodeInitiation(frame);
    } catch (err) {
      throw new SkeinError(ErrorCodes.HANDSHAKE_REFUSED, `initiation refused: ${(err as Error).message}`);
    }
    if (init.mac1 === null) {
      if (!this.admitUnkeyed()) throw new SkeinError(ErrorCodes.HANDSHAKE_REFUSED, 'initiation refused: no mac1 (the dialer does not know our key) and none admitted now');
    } else if (!checkMac1(this.macKey!, this.prologue, init.noiseMessage, init.mac1)) {
      throw new SkeinError(ErrorCodes.HANDSHAKE_REFUSED, 'initiation refused: wrong mac1 (not keyed by our static key, or another cluster or protocol version)');
    }
    this.initiationAccepted = true;
    this.decoder.setMaxFrameBytes(MAX_HANDSHAKE_FRAME_BYTES);
    return init.noiseMessage;
  }

  private onHandshakeFrame(frame: Uint8Array): void {
    const message = this.role === 'responder' && !this.initiationAccepted ? this.checkInitiation(frame) : frame;
    const step = this.handshake.receive(message);
    // Keys first: the peer may answer message 3 before write() returns.
    if (step.result !== null) this.onHandshakeDone(step.result);
    if (step.send !== null) this.out.writeFrame(encodeFrame(step.send, MAX_HANDSHAKE_FRAME_BYTES));
    if (this.current === 'confirming') this.sendPing();
  }

  private onHandshakeDone(result: HandshakeResult<Member>): void {
    this.transport = transportPair(result.sendKey, result.receiveKey, this.config.transportMessageLimit);
    this.out.setSender(this.transport.sender);
    wipe(result.sendKey);
    wipe(result.receiveKey);
    this.proven = result.peer;
    this.hash = result.handshakeHash;
    this.decoder.setMaxFrameBytes(MAX_FRAME_BYTES);
    if (this.role === 'responder') this.becomeOpen();
    else this.transition('confirming');
  }

  private becomeOpen(): void {
    this.transition('open');
    this.openedAt = this.clock.monotonic();
    // The dialer paces keepalives; the listener answers them (keepalive.ts).
    this.timers.startOpen(this.role === 'initiator');
    const peer = this.proven!;
    this.resolveOpened(peer);
    this.emit('open', peer);
  }

  private onHandshakeTimeout(): void {
    const error = new SkeinError(ErrorCodes.HANDSHAKE_TIMEOUT, `link handshake (${this.role}) did not complete within ${this.config.handshakeTimeoutMs} ms`);
    this.finish({ cause: 'handshake-timeout', message: error.message, error }, false);
  }

  // ---- receive ----------------------------------------------------------

  private onData(chunk: Uint8Array): void {
    if (this.closed) return;
    this.received.bytesReceived += chunk.byteLength;
    this.inbox.push(chunk);
    if (this.draining) return; // re-entered from inside our own processing: the outer loop takes it
    this.draining = true;
    this.guard(() => {
      while (this.inbox.length > 0 && !this.closed) {
        this.decoder.push(this.inbox.shift()!);
        for (let f = this.decoder.next(); f !== null; f = this.closed ? null : this.decoder.next()) this.onFrame(f);
      }
    });
    this.draining = false;
    if (this.current === 'open' && this.nativeLinks !== null && this.native === null) this.handOver(this.nativeLinks);
  }

  /**
   * Give the socket to the native link: its fd, both transport directions
   * and the incomplete frame the decoder holds. The Node.js socket is then
   * closed (its fd only: the native side holds a duplicate, so the
   * connection stays). Anything that prevents it leaves the channel on the
   * TypeScript path, as if there were no native links.
   */
  private handOver(nativeLinks: NativeLinks): void {
    const fd = handOverFd(this.stream);
    const transport = this.transport;
    if (fd === null || transport === null || transport.sender.exhausted || transport.receiver.exhausted) return;
    const send = transport.sender.exportState();
    const receive = transport.receiver.exportState();
    const leftover = this.decoder.takeBuffered();
    try {
      this.native = nativeLinks.attach({
        fd, sendKey: send.key, sendCounter: send.counter, receiveKey: receive.key, receiveCounter: receive.counter,
        messageLimit: this.config.transportMessageLimit, queueLimit: this.config.maxQueuedBytes, leftover,
      }, {
        onFrames: (frames) => this.onNativeFrames(frames),
        onEnd: (end) => this.onNativeEnd(end),
        onDrain: () => this.onDrain(),
      });
    } catch {
      // Refused (no room for another native link): the decoder takes its incomplete frame back.
      this.guard(() => {
        this.decoder.push(leftover);
        for (let f = this.decoder.next(); f !== null; f = this.closed ? null : this.decoder.next()) this.onFrame(f);
      });
      return;
    } finally {
      wipe(send.key);
      wipe(receive.key);
    }
    transport.sender.wipe();
    transport.receiver.wipe();
    this.out.useNative(this.native);
    for (const [event, handler] of this.streamHandlers) this.stream.off(event, handler);
    this.stream.on('error', () => {}); // closing our fd can still report an error; the link no longer reads it
    this.stream.destroy();
    // Messages queued behind the socket's backpressure waited for its 'drain', which will not come now.
    if (this.out.congested) this.onDrain();
  }

  /** Did the native link open frames (relayed ones included) since the last time this was asked? */
  private heardByNativeLink(): boolean {
    const received = this.native?.stats()?.messagesReceived;
    if (received === undefined || received === this.nativeMessagesSeen) return false;
    this.nativeMessagesSeen = received;
    return true;
  }

  /** Frames the native link opened and did not relay, each `u32 length || plaintext || tag's bytes`. */
  private onNativeFrames(frames: Buffer): void {
    if (this.closed) return;
    this.guard(() => {
      for (let at = 0; at < frames.byteLength && !this.closed;) {
        const body = frames.readUInt32BE(at);
        const plaintext = frames.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + body - AEAD_TAG_BYTES);
        at += FRAME_HEADER_BYTES + body;
        this.onOpenMessage(plaintext);
      }
    });
  }

  private onNativeEnd(end: NativeLinkEnd): void {
    if (this.closed) {
      this.timers.cancelLinger();
      this.native?.destroy();
      return;
    }
    if (end.kind === 'eof') this.onStreamEnd();
    else if (end.kind === 'stream-error') this.onStreamError(new Error(end.message));
    else {
      const error = new SkeinError(end.code, end.message);
      this.guard(() => {
        throw error;
      });
    }
  }

  private onFrame(frame: Uint8Array): void {
    if (this.current === 'handshaking') {
      this.onHandshakeFrame(frame);
      return;
    }
    // In place: a payload is then a view with the frame's room around it (see wire/frame-room.ts).
    const plaintext = this.transport!.receiver.openInPlace(frame);
    this.received.messagesReceived++;
    this.onOpenMessage(plaintext);
  }

  /** A transport message, authenticated and decrypted (here or by the native link). */
  private onOpenMessage(plaintext: Uint8Array): void {
    this.timers.heardFromPeer();
    if (this.current === 'confirming') this.becomeOpen();
    if (this.current === 'open') this.onMessage(decodeLinkMessage(plaintext));
  }

  private onMessage(m: LinkMessage): void {
    switch (m.type) {
      case 'ping':
        this.out.sendControl(this.keepalive.answerPing(m));
        return;
      case 'pong':
        this.out.sendControl(this.keepalive.answerPong(m));
        this.onRttSample(this.keepalive.sample(m));
        return;
      case 'echo':
        this.onRttSample(this.keepalive.sample(m));
        return;
      case 'close':
        this.finish({ cause: 'remote', message: `peer closed the link (code ${m.code}): ${m.text}`, closeCode: m.code }, false);
        return;
      case 'payload':
        this.deliver(m.channel, m.data);
        return;
    }
  }

  private deliver(channel: number, data: Uint8Array): void {
    this.emit('message', channel, data);
    if (this.receiver !== null) this.receiver(channel, data);
    else if (this.listenerCount('message') === 0 && this.held.length < MAX_HELD_MESSAGES) this.held.push([channel, data]);
  }

  // ---- keepalive --------------------------------------------------------

  private sendPing(): void {
    this.out.sendControl(this.keepalive.ping());
  }

  private onRttSample(sample: number | null): void {
    if (sample === null) return;
    this.rtt.add(sample);
    this.emit('rtt', this.rtt.smoothedMs!, sample);
  }

  private onPeerSilent(): void {
    const error = new SkeinError(ErrorCodes.PEER_SILENT, `peer ${this.proven?.name ?? '?'} silent for ${this.config.deadAfterMs} ms`);
    this.finish({ cause: 'peer-silent', message: error.message, error }, true);
  }

  // ---- send -------------------------------------------------------------

  private onNonceExhausted(): void {
    const error = new SkeinError(ErrorCodes.NONCE_EXHAUSTED, `link to ${this.proven?.name ?? '?'} reached its message limit; closing for a fresh handshake`);
    this.finish({ cause: 'nonce-exhausted', message: error.message, error }, false);
  }

  private onDrain(): void {
    let flushed = false;
    this.guard(() => {
      flushed = this.out.onDrain(() => !this.closed);
    });
    if (flushed && !this.closed) this.emit('drain');
  }

  // ---- closing ----------------------------------------------------------

  private onStreamEnd(): void {
    const during = this.current === 'open' ? ''
      : this.current === 'confirming' ? ' during the handshake (it may have refused our certificate)' : ' during the handshake';
    const error = this.current === 'open' ? undefined : new SkeinError(ErrorCodes.HANDSHAKE, `peer closed the connection${during}`);
    this.finish({ cause: 'stream-ended', message: `peer closed the connection${during}`, ...(error && { error }) }, false);
  }

  private onStreamClose(): void {
    this.timers.cancelLinger();
    this.onStreamEnd();
  }

  private onStreamError(err: Error): void {
    const error = new SkeinError(ErrorCodes.LINK_CLOSED, `connection error: ${err.message}`, { cause: err });
    this.finish({ cause: 'stream-error', message: error.message, error }, false);
  }

  /** Run a step; any exception closes the link with the matching cause. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      const error = err instanceof SkeinError ? err : new SkeinError(ErrorCodes.LINK_CLOSED, `link failure: ${String(err)}`, { cause: err });
      this.finish({ cause: this.classify(error), message: error.message, error }, true);
    }
  }

  private classify(error: SkeinError): LinkCloseCause {
    if (error.code === ErrorCodes.NONCE_EXHAUSTED) return 'nonce-exhausted';
    if (this.current !== 'handshaking') return 'protocol-error';
    if (error.code === ErrorCodes.HANDSHAKE_REFUSED) return 'refused';
    if (error.code === ErrorCodes.HANDSHAKE) return 'handshake-failed';
    if (error.code === ErrorCodes.FRAME_TOO_LARGE || error.code === ErrorCodes.LINK_CLOSED) return 'protocol-error';
    return 'auth-failed';
  }

  private finish(reason: LinkCloseReason, notifyPeer: boolean): void {
    if (this.closed) return;
    const wasOpen = this.current === 'open';
    this.transition('closed');
    this.reason = reason;
    this.closedAt = this.clock.monotonic();
    const streamGone = reason.cause === 'stream-ended' || reason.cause === 'stream-error';
    this.timers.stop(!streamGone);
    if (notifyPeer && !streamGone) this.trySendClose(reason);
    this.transport?.sender.wipe();
    this.transport?.receiver.wipe();
    this.handshake.destroy();
    this.out.clear();
    this.inbox.length = 0;
    this.held = [];
    // A refused stranger gets no graceful close: its socket is freed at once.
    const destroyNow = streamGone || reason.cause === 'refused';
    if (this.native !== null) {
      if (destroyNow) this.native.destroy();
      else this.native.end();
    } else if (destroyNow) this.stream.destroy();
    else this.stream.end();
    if (!wasOpen) {
      this.rejectOpened(reason.error ?? new SkeinError(ErrorCodes.LINK_CLOSED, `link closed before it opened: ${reason.message}`));
    }
    this.emit('close', reason);
  }

  private trySendClose(reason: LinkCloseReason): void {
    const code = reason.closeCode ?? CLOSE_CODE_FOR[reason.cause];
    if (code === undefined) return;
    try {
      this.out.sendLast(encodeClose({ code, text: reason.message }));
    } catch {
      // Best effort: the link is going away regardless.
    }
  }

  private transition(next: ChannelState): void {
    if (!CHANNEL_TRANSITIONS[this.current].includes(next)) {
      throw new SkeinError(ErrorCodes.LINK_CLOSED, `link: illegal transition ${this.current} -> ${next}`);
    }
    this.current = next;
  }
}
