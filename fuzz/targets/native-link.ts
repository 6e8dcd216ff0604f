/**
 * native/link.c through the addon (src/link/native-link.ts): the open
 * link's receive path over a real loopback TCP socket, held against the
 * TypeScript reference.
 *
 * Input: as link-frames' (byte 0: the chunk size, 0 for one chunk; then the
 * stream). Per execution: a fresh TCP connection to a loopback listener
 * kept for the process (pauseOnConnect: Node never reads the accepted
 * socket); the accepted socket is handed over as a channel does (handOverFd,
 * attach, a no-op 'error' listener, destroy: the addon holds a dup of the
 * fd) with receive key LINK_FRAME_KEY, both counters 0, no leftover and no
 * route table (nothing is relayed: every opened frame goes up). The client
 * writes the stream in chunks (no Nagle), yielding to the event loop
 * (setImmediate) between some of them so the native reads split
 * differently, then ends its side; the execution waits for onEnd (a hang
 * finding past END_TIMEOUT_MS), then resets the client and destroys the link.
 *
 * Oracle: the same stream through FrameDecoder(MAX_FRAME_BYTES) +
 * TransportReceiver(LINK_FRAME_KEY).openInPlace, stopping at the first
 * SkeinError. Invariants: every onFrames buffer walks as back-to-back
 * `u32 body || plaintext || 16 spare bytes` (16 <= body <= MAX_FRAME_BYTES)
 * ending exactly at its end; the plaintexts delivered natively are the
 * reference's, in order, byte for byte; the end is 'protocol' with the
 * reference's error code when the reference threw and 'eof' when it did not
 * (a trailing partial frame included); onEnd comes once, nothing is
 * delivered after it, onDrain never fires (nothing is sent); the link's
 * counters agree (messages received = messages opened; on EOF, bytes
 * received = the stream's length).
 *
 * The native endpoint (native/endpoint.c) runs on the same host: a peer
 * with a fresh current keypair per execution (receiver index
 * SESSION_INDEX, key SESSION_KEY), /dev/null as its TUN and no firewall.
 * So a frame carrying a session DATA packet for this node may be taken
 * there instead of going up. The oracle predicts which, with the
 * TypeScript session cipher and replay window: DATA from the peer under its
 * index, a fresh counter, authentic, an IP payload. Those frames are
 * missing from what goes up, and the endpoint's counters grow by them
 * (delivered; wrong destination and spoofed source as the address checks
 * judge them).
 *
 * One NativeLinks (fixed local id) and one listener per process, both made
 * on first use; the listener is unref'd so the process can exit.
 */
import { once } from 'node:events';
import { openSync } from 'node:fs';
import net from 'node:net';
import fc from 'fast-check';
import { TransportReceiver } from '../../src/crypto/transport.js';
import { AEAD_TAG_BYTES } from '../../src/crypto/primitives.js';
import { addressAt, IPV6_DESTINATION_OFFSET, IPV6_HEADER_BYTES, IPV6_SOURCE_OFFSET, isIpv6Packet } from '../../src/dataplane/ipv6.js';
import { FrameDecoder } from '../../src/link/framing.js';
import { handOverFd, NativeLinks, type NativeLink, type NativeLinkEnd } from '../../src/link/native-link.js';
import { SkeinError } from '../../src/util/errors.js';
import { FRAME_HEADER_BYTES, LINK_PAYLOAD_MAX_BYTES, LINK_PAYLOAD_OVERHEAD, LINK_PROTOCOL_VERSION, LinkMessageType, MAX_FRAME_BYTES } from '../../src/wire/link-constants.js';
import { type LinkMessage, decodeLinkMessage, encodeEcho, encodePayload, encodePing, encodePong } from '../../src/wire/link-messages.js';
import { NativeEndpoint, type NativeEndpointCounters } from '../../src/link/native-endpoint.js';
import { nativeSessionOffload } from '../../src/node/session-offload.js';
import { type KeypairCipher, PeerActivity, TypeScriptCipher, type CipherKeys } from '../../src/session/index.js';
import { ReplayWindow } from '../../src/session/replay-window.js';
import { createLogger } from '../../src/util/log.js';
import {
  DATA_CIPHERTEXT_OFFSET, DATA_COUNTER_OFFSET, DATA_RECEIVER_INDEX_OFFSET, MESH_PACKET_CHANNEL, MESH_PACKET_VERSION, PACKET_FLAGS_OFFSET, PACKET_TYPE_OFFSET,
  PACKET_VERSION_OFFSET, PacketType,
} from '../../src/wire/packet-constants.js';
import { isDestination, isSource, writeHeader } from '../../src/wire/packet.js';
import { SessionPayloadKind } from '../../src/wire/session-payload.js';
import { describe, Finding, type FuzzTarget, invariant } from '../engine/target.js';
import { LINK_FRAME_KEY, sealedStream } from './link-frames.js';
import { hex, immediate, ipv6, LoopbackListener, within } from './loopback.js';

/** Wall time an execution waits for the connection and for onEnd before it is a hang. */
const END_TIMEOUT_MS = 2_000;
/** At most this many writes per execution (a smaller chunk size is raised to fit). */
const MAX_WRITES = 1_024;
/** At most this many event-loop yields between writes per execution. */
const MAX_PAUSES = 64;
const MAX_DISTINCT = 7;
const LOCAL_ID = new Uint8Array(16).fill(0x6c);
const SEND_KEY = new Uint8Array(32).fill(0x53);
const MESSAGE_LIMIT = 2 ** 48;
const QUEUE_LIMIT = 1024 * 1024;
const PEER_ID = new Uint8Array(16).fill(0x70);
const OWN_ADDRESS = Uint8Array.of(0xfd, ...new Uint8Array(15).fill(0x6c));
const PEER_ADDRESS = Uint8Array.of(0xfd, ...new Uint8Array(15).fill(0x70));
const SESSION_INDEX = 0x5e55_1011;
const SESSION_KEY = new Uint8Array(32).fill(0x5e);
const SESSION_LIMIT = 2 ** 20;
const SESSION_KEYS: CipherKeys = {
  localIndex: SESSION_INDEX, remoteIndex: 1, sendKey: new Uint8Array(32).fill(0x01), receiveKey: SESSION_KEY, role: 'responder', createdAtMs: 0, messageLimit: SESSION_LIMIT,
};

interface Rig {
  links: NativeLinks;
  endpoint: NativeEndpoint;
  /** Makes the peer's keypair of one execution (current from the start). */
  newKeypair: () => KeypairCipher;
  listener: LoopbackListener;
}

let rig: Promise<Rig> | null = null;

function getRig(): Promise<Rig> {
  rig ??= (async () => {
    const links = NativeLinks.load(LOCAL_ID);
    if (typeof links === 'string') throw new Error(`the native-link target needs the addon (npm run build:native): ${links}`);
    const endpoint = NativeEndpoint.setUp(links, {
      ownAddress: OWN_ADDRESS, nowMs: performance.now(), rejectAfterMs: 3_600_000, rekeyAfterMs: 3_600_000, rekeyAfterMessages: SESSION_LIMIT,
      keepaliveMs: 10_000, handshakeRetryMs: 1_000, maxIpPacketBytes: LINK_PAYLOAD_MAX_BYTES, hopLimit: 64,
    });
    if (typeof endpoint === 'string') throw new Error(`the native-link target needs the endpoint: ${endpoint}`);
    endpoint.setTun(openSync('/dev/null', 'w'));
    endpoint.setOpen(true, true);
    const peer = nativeSessionOffload(endpoint, () => PEER_ADDRESS, createLogger({ level: 'silent' })).addPeer(PEER_ID, new Float64Array(PeerActivity.FIELDS).fill(Number.NaN))!;
    const newKeypair = (): KeypairCipher => {
      const cipher = peer.ciphers({ ...SESSION_KEYS, createdAtMs: performance.now(), sendKey: new Uint8Array(SESSION_KEYS.sendKey), receiveKey: new Uint8Array(SESSION_KEY) });
      peer.setCurrent(cipher);
      return cipher;
    };
    return { links, endpoint, newKeypair, listener: await LoopbackListener.open() };
  })();
  return rig;
}

interface Reference {
  messages: Uint8Array[];
  error: string | null;
  partial: boolean;
}

/** The TypeScript receive path over the whole stream (on a copy: it opens in place). */
function reference(stream: Uint8Array): Reference {
  const bytes = new Uint8Array(stream);
  const decoder = new FrameDecoder(MAX_FRAME_BYTES, 'link');
  const receiver = new TransportReceiver(LINK_FRAME_KEY, MESSAGE_LIMIT);
  const messages: Uint8Array[] = [];
  try {
    decoder.push(bytes);
    for (let f = decoder.next(); f !== null; f = decoder.next()) messages.push(receiver.openInPlace(f));
  } catch (err) {
    if (err instanceof SkeinError) return { messages, error: err.code, partial: false };
    throw new Finding('untyped-throw', `the reference threw ${describe(err)} instead of a SkeinError`, { cause: err });
  }
  return { messages, error: null, partial: decoder.bufferedBytes > 0 };
}

interface EndpointPrediction {
  /** The opened messages that go up (the others the endpoint takes). */
  up: Uint8Array[];
  delivered: number;
  wrongDestination: number;
  spoofed: number;
}

/** Which opened link messages the native endpoint takes (see the top of the file), by the TypeScript cipher and window. */
function predictEndpoint(messages: readonly Uint8Array[]): EndpointPrediction {
  const window = new ReplayWindow(SESSION_LIMIT);
  const out: EndpointPrediction = { up: [], delivered: 0, wrongDestination: 0, spoofed: 0 };
  for (const m of messages) {
    const taken = (() => {
      if (m.byteLength < LINK_PAYLOAD_OVERHEAD + DATA_CIPHERTEXT_OFFSET + 1 + IPV6_HEADER_BYTES + AEAD_TAG_BYTES) return false;
      if (m[0] !== LINK_PROTOCOL_VERSION || m[1] !== LinkMessageType.PAYLOAD || m[2] !== MESH_PACKET_CHANNEL) return false;
      const packet = new Uint8Array(m.subarray(LINK_PAYLOAD_OVERHEAD));
      if (packet[PACKET_VERSION_OFFSET] !== MESH_PACKET_VERSION || packet[PACKET_TYPE_OFFSET] !== PacketType.DATA || packet[PACKET_FLAGS_OFFSET] !== 0) return false;
      if (!isDestination(packet, LOCAL_ID) || !isSource(packet, PEER_ID)) return false;
      const view = new DataView(packet.buffer);
      if (view.getUint32(DATA_RECEIVER_INDEX_OFFSET) !== SESSION_INDEX) return false;
      // Not readDataPrefix: it refuses counters past 2^53, which the endpoint judges (as not fresh) instead.
      const counter = view.getUint32(DATA_COUNTER_OFFSET) * 2 ** 32 + view.getUint32(DATA_COUNTER_OFFSET + 4);
      if (!window.check(counter)) return false;
      // A fresh cipher has an empty window: it opens iff the packet is authentic.
      if (new TypeScriptCipher(SESSION_KEYS).open(packet, counter) !== 'ok' || packet[DATA_CIPHERTEXT_OFFSET] !== SessionPayloadKind.IP) return false;
      window.accept(counter);
      const ip = packet.subarray(DATA_CIPHERTEXT_OFFSET + 1, packet.byteLength - AEAD_TAG_BYTES);
      out.delivered++;
      if (!addressAt(ip, IPV6_DESTINATION_OFFSET, OWN_ADDRESS)) out.wrongDestination++;
      else if (!isIpv6Packet(ip) || !addressAt(ip, IPV6_SOURCE_OFFSET, PEER_ADDRESS)) out.spoofed++;
      return true;
    })();
    if (!taken) out.up.push(m);
  }
  return out;
}

/** A session DATA packet from the peer for this node, sealed at `counter`, carrying `payload`, as a mesh-channel link message. */
function sessionMessage(counter: number, payload: Uint8Array): Uint8Array {
  const packet = new Uint8Array(DATA_CIPHERTEXT_OFFSET + payload.byteLength + AEAD_TAG_BYTES);
  writeHeader(packet, { type: PacketType.DATA, hopLimit: 60, source: PEER_ID, destination: LOCAL_ID });
  const sender = new TypeScriptCipher({ ...SESSION_KEYS, remoteIndex: SESSION_INDEX, sendKey: SESSION_KEY });
  (sender as unknown as { nextCounter: number }).nextCounter = counter;
  sender.seal(packet, payload);
  return encodePayload(MESH_PACKET_CHANNEL, packet);
}

const endpointDelta = (a: NativeEndpointCounters, b: NativeEndpointCounters) => ({
  delivered: b.delivered - a.delivered, wrongDestination: b.inWrongDestination - a.inWrongDestination, spoofed: b.inSpoofed - a.inSpoofed,
});

/** One onFrames buffer: back-to-back `u32 body || plaintext || 16 spare bytes`, ending exactly at its end. */
function walk(frames: Buffer, into: Uint8Array[]): void {
  let at = 0;
  while (at < frames.byteLength) {
    invariant(frames.byteLength - at >= FRAME_HEADER_BYTES, `onFrames buffer of ${frames.byteLength} bytes: ${frames.byteLength - at} stray bytes at ${at}`);
    const body = frames.readUInt32BE(at);
    invariant(body >= AEAD_TAG_BYTES && body <= MAX_FRAME_BYTES, `onFrames buffer: a body of ${body} bytes at ${at} (bounds ${AEAD_TAG_BYTES}..${MAX_FRAME_BYTES})`);
    invariant(at + FRAME_HEADER_BYTES + body <= frames.byteLength, `onFrames buffer: the frame at ${at} (${body} bytes) runs past its end (${frames.byteLength})`);
    into.push(frames.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + body - AEAD_TAG_BYTES));
    at += FRAME_HEADER_BYTES + body;
  }
}

function label(m: LinkMessage): string {
  return m.type === 'payload' && m.channel > 2 ? 'payload-other' : m.type === 'payload' ? `payload${m.channel}` : m.type;
}

function kindOf(plaintext: Uint8Array): string {
  try {
    return label(decodeLinkMessage(plaintext));
  } catch {
    return 'undecodable';
  }
}

function endLabel(end: NativeLinkEnd): string {
  return end.kind === 'protocol' ? `protocol:${end.code}` : end.kind;
}

interface Observed {
  messages: Uint8Array[];
  buffers: number;
  ends: NativeLinkEnd[];
  afterEnd: number;
  drains: number;
}

export const nativeLinkTarget: FuzzTarget = {
  name: 'native-link',
  description: 'native/link.c through the addon: the open link\'s receive path over a real loopback TCP socket, checked against the TypeScript reference',
  maxInputBytes: 2 * (MAX_FRAME_BYTES + FRAME_HEADER_BYTES) + 1,
  usesSockets: true,
  async run(input) {
    if (input.byteLength === 0) return 'empty';
    const stream = input.subarray(1);
    const chunk = Math.max(input[0]! === 0 ? input.byteLength : input[0]!, Math.ceil(stream.byteLength / MAX_WRITES));
    const expected = reference(stream);
    const r = await getRig();
    const predicted = predictEndpoint(expected.messages);
    const keypair = r.newKeypair();
    const countersBefore = r.endpoint.counters();
    const deadline = performance.now() + END_TIMEOUT_MS;

    const seen: Observed = { messages: [], buffers: 0, ends: [], afterEnd: 0, drains: 0 };
    let link: NativeLink | null = null;
    let client: net.Socket | null = null;
    let stopped = false;
    let writer: Promise<void> = Promise.resolve();
    let layoutError: Finding | null = null;
    let endReported: () => void = () => {};
    const ended = new Promise<void>((resolve) => { endReported = resolve; });
    let stats: ReturnType<NativeLink['stats']> = null;
    try {
      const accepted = r.listener.next();
      const c = net.connect({ host: '127.0.0.1', port: r.listener.port, noDelay: true });
      client = c;
      c.on('error', () => {}); // a reset after the native side stopped reading is expected
      c.on('data', () => {}); // nothing is sent to us; drain anyway
      const [socket] = await within(Promise.all([accepted, once(c, 'connect')]), deadline, END_TIMEOUT_MS, () => 'no loopback connection');

      const fd = handOverFd(socket);
      invariant(fd !== null, 'the accepted socket has no fd to hand over');
      link = r.links.attach(
        { fd, sendKey: SEND_KEY, sendCounter: 0, receiveKey: LINK_FRAME_KEY, receiveCounter: 0, messageLimit: MESSAGE_LIMIT, queueLimit: QUEUE_LIMIT, leftover: new Uint8Array(0) },
        {
          onFrames: (frames) => {
            seen.buffers++;
            if (seen.ends.length > 0) seen.afterEnd++;
            try {
              walk(frames, seen.messages);
            } catch (err) {
              layoutError ??= err instanceof Finding ? err : new Finding('invariant', describe(err));
            }
          },
          onEnd: (end) => {
            seen.ends.push(end);
            endReported();
          },
          onDrain: () => {
            seen.drains++;
          },
        },
      );
      socket.on('error', () => {}); // closing our fd can still report an error; the native link reads it now
      socket.destroy();

      const chunks = Math.ceil(stream.byteLength / chunk);
      const pauseEvery = Math.max(1, Math.ceil(chunks / MAX_PAUSES));
      writer = (async () => {
        for (let i = 0, at = 0; at < stream.byteLength; i++, at += chunk) {
          if (stopped) return;
          c.write(stream.subarray(at, at + chunk));
          if (i % pauseEvery === pauseEvery - 1 && at + chunk < stream.byteLength) await immediate();
        }
        if (!stopped) c.end();
      })();

      await within(ended, deadline, END_TIMEOUT_MS, () => `no onEnd from the native link (${seen.messages.length} messages up in ${seen.buffers} buffers, stats ${JSON.stringify(link?.stats())})`);
      stats = link.stats();
    } finally {
      stopped = true;
      client?.resetAndDestroy();
      link?.destroy();
      keypair.wipe();
      r.listener.cancel();
      await writer;
    }
    const taken = endpointDelta(countersBefore, r.endpoint.counters());

    if (layoutError !== null) throw layoutError;
    const end = seen.ends[0]!;
    invariant(seen.ends.length === 1, `onEnd came ${seen.ends.length} times: ${seen.ends.map(endLabel).join(', ')}`);
    invariant(seen.afterEnd === 0, `${seen.afterEnd} onFrames calls after onEnd`);
    invariant(seen.drains === 0, `onDrain fired ${seen.drains} times on a link that sent nothing`);
    const got = seen.messages;
    const want = predicted.up;
    const { up: _, ...predictedTaken } = predicted;
    invariant(JSON.stringify(taken) === JSON.stringify(predictedTaken), `the endpoint took ${JSON.stringify(taken)}, the reference predicts ${JSON.stringify(predictedTaken)}`);
    for (let i = 0; i < Math.min(got.length, want.length); i++) {
      invariant(Buffer.from(got[i]!).equals(want[i]!), `message ${i} differs: native ${hex(got[i]!)}, reference ${hex(want[i]!)}`);
    }
    invariant(got.length === want.length, `native delivered ${got.length} messages, the reference opened ${want.length} (end ${endLabel(end)}: ${end.message}; reference ${expected.error ?? 'no error'})`);
    if (expected.error !== null) {
      invariant(end.kind === 'protocol' && end.code === expected.error, `the reference failed with ${expected.error}; the native link ended ${endLabel(end)}: ${end.message}`);
    } else {
      invariant(end.kind === 'eof', `the reference opened the stream cleanly${expected.partial ? ' (trailing partial frame)' : ''}; the native link ended ${endLabel(end)}: ${end.message}`);
    }
    invariant(stats !== null, 'no stats from a link not yet destroyed');
    invariant(stats.messagesReceived === expected.messages.length, `stats: ${stats.messagesReceived} messages received, ${expected.messages.length} opened`);
    invariant(stats.bytesReceived <= stream.byteLength, `stats: ${stats.bytesReceived} bytes received of a ${stream.byteLength}-byte stream`);
    if (end.kind === 'eof') invariant(stats.bytesReceived === stream.byteLength, `stats: EOF after ${stats.bytesReceived} bytes of a ${stream.byteLength}-byte stream`);

    const kinds: string[] = [];
    for (const m of got) {
      if (kinds.length >= MAX_DISTINCT) break;
      const k = kindOf(m);
      if (!kinds.includes(k)) kinds.push(k);
    }
    const tail = end.kind === 'eof' ? (expected.partial ? 'eof-partial' : 'eof') : endLabel(end);
    const endpoint = predicted.delivered === 0 ? '' : `|endpoint${predictedTaken.wrongDestination > 0 ? '-wrong' : ''}${predictedTaken.spoofed > 0 ? '-spoofed' : ''}`;
    return `${kinds.sort().join(',')}|${tail}${endpoint}`;
  },
  generator: fc.tuple(
    fc.integer({ min: 0, max: 255 }),
    fc.array(fc.oneof(
      { weight: 4, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((challenge) => encodePing({ challenge })) },
      { weight: 2, arbitrary: fc.tuple(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })).map(([echo, challenge]) => encodePong({ echo, challenge })) },
      { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((echo) => encodeEcho({ echo })) },
      { weight: 6, arbitrary: fc.tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 200 })).map(([ch, d]) => encodePayload(ch, d)) },
      // Frames up to exactly MAX_FRAME_BYTES: a read buffer holds one and a bit, so these span reads.
      { weight: 1, arbitrary: fc.integer({ min: LINK_PAYLOAD_MAX_BYTES - 300, max: LINK_PAYLOAD_MAX_BYTES }).map((n) => encodePayload(2, new Uint8Array(n).fill(0x5a))) },
      // Raw plaintexts the link decoder may refuse: the native link does not decode, so they go up as they are.
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) },
      // Session packets for this node: the endpoint's; counters repeat and reorder, payloads of every kind and address.
      { weight: 4, arbitrary: fc.tuple(
        fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 5000 }), fc.constant(SESSION_LIMIT - 1), fc.constant(SESSION_LIMIT)),
        fc.oneof(
          { weight: 4, arbitrary: fc.integer({ min: 0, max: 300 }).map((n) => Uint8Array.of(SessionPayloadKind.IP, ...ipv6(PEER_ADDRESS, OWN_ADDRESS, n))) },
          { weight: 1, arbitrary: fc.integer({ min: 0, max: 60 }).map((n) => Uint8Array.of(SessionPayloadKind.IP, ...ipv6(OWN_ADDRESS, OWN_ADDRESS, n))) },
          { weight: 1, arbitrary: fc.integer({ min: 0, max: 60 }).map((n) => Uint8Array.of(SessionPayloadKind.IP, ...ipv6(PEER_ADDRESS, PEER_ADDRESS, n))) },
          { weight: 1, arbitrary: fc.uint8Array({ maxLength: 80 }) },
        ),
      ).map(([counter, payload]) => sessionMessage(Math.min(counter, SESSION_LIMIT), payload)) },
    ), { maxLength: 6 }),
    fc.oneof(
      { weight: 3, arbitrary: fc.constant({ kind: 'none' as const, at: 0, value: 0 }) },
      { weight: 2, arbitrary: fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([at, value]) => ({ kind: 'flip' as const, at, value })) },
      { weight: 2, arbitrary: fc.nat().map((at) => ({ kind: 'cut' as const, at, value: 0 })) },
      { weight: 2, arbitrary: fc.tuple(fc.nat(), fc.oneof(fc.constant(MAX_FRAME_BYTES + 1), fc.constant(MAX_FRAME_BYTES), fc.constant(2 ** 32 - 1), fc.integer({ min: 0, max: 2 ** 32 - 1 }))).map(([at, value]) => ({ kind: 'length' as const, at, value })) },
      { weight: 1, arbitrary: fc.nat().map((at) => ({ kind: 'replay' as const, at, value: 0 })) },
    ),
  ).map(([chunk, messages, damage]) => {
    const s = Buffer.from(sealedStream(messages));
    const starts: number[] = [];
    for (let at = 0; at + FRAME_HEADER_BYTES <= s.byteLength; at += FRAME_HEADER_BYTES + s.readUInt32BE(at)) starts.push(at);
    let out: Buffer = s;
    if (damage.kind === 'flip' && s.byteLength > 0) s[damage.at % s.byteLength]! ^= damage.value;
    else if (damage.kind === 'cut') out = s.subarray(0, damage.at % (s.byteLength + 1));
    else if (damage.kind === 'length' && starts.length > 0) s.writeUInt32BE(damage.value, starts[damage.at % starts.length]!);
    else if (damage.kind === 'replay' && starts.length > 0) {
      const k = damage.at % starts.length;
      const frame = s.subarray(starts[k]!, starts[k + 1] ?? s.byteLength);
      out = Buffer.concat([s.subarray(0, starts[k + 1] ?? s.byteLength), frame, s.subarray(starts[k + 1] ?? s.byteLength)]);
    }
    return new Uint8Array(Buffer.concat([Buffer.from([chunk]), out]));
  }),
};
