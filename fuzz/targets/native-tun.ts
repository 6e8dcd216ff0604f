/**
 * The TUN side of the native endpoint (native/endpoint.c take_from_tun,
 * offered each read by native/tun.c's reader): read packets of any bytes,
 * held against a TypeScript prediction of which it seals and sends itself.
 *
 * The TUN device is a loopback UDP socket: like a TUN fd it is
 * non-blocking and gives one packet per read(2), of any bytes, which a
 * real TUN device (fed only by the kernel's own IPv6 stack) cannot. The
 * reader is the shipped backend's (dataplane/tun-addon.ts) with the
 * endpoint's filter and the daemon's read room (TUN_READ_ROOM).
 *
 * Input: byte 0 the keys' state (bits 0-3: messages JavaScript seals first
 * through the same keys; bit 4: the firewall closes the outbound fast path;
 * bit 5: the keys are an initiator's; bit 6: older than REKEY_AFTER_MS;
 * bit 7: older than REJECT_AFTER_MS), byte 1 the reader's batch (1 + b % 8,
 * or TUN_READ_BATCH from 128), then up to MAX_PACKETS records `u16 length ||
 * bytes` (a length is cut to READ_MAX_BYTES and to what is left).
 *
 * Three peers: PEER_A with fresh current keys per execution and a route
 * to a native link over loopback TCP made per execution; PEER_B with no
 * keys; PEER_C with keys and no route. Each record is sent as one datagram,
 * then a sentinel the input cannot forge; the execution waits for the
 * sentinel to come up, ends the link and reads what it wrote to its end.
 *
 * Oracle: a packet is taken iff the outbound fast path is open, it is at
 * most MAX_IP_PACKET_BYTES, an IPv6 packet whose payload length matches the
 * read, to PEER_A's address, and PEER_A's keys seal it without needing a
 * rekey (age, REKEY_AFTER_MESSAGES, the initiator's rekey age). Then:
 * everything else comes up to JavaScript as it was read, in order, byte for
 * byte (empty reads carry nothing); the bytes on the link are exactly the
 * TypeScript path's for the taken packets (session DATA sealed by a
 * TypeScriptCipher with the same keys and counters, framed and sealed by a
 * TransportSender with the link's key); the endpoint's counters grow by the
 * taken packets and their bytes; PEER_A's activity record shows a send
 * within the execution iff one was taken.
 *
 * One NativeLinks, endpoint, TCP listener and pair of UDP sockets per
 * process, made on first use and unref'd so the process can exit.
 */
import dgram from 'node:dgram';
import { once } from 'node:events';
import { openSync } from 'node:fs';
import net from 'node:net';
import fc from 'fast-check';
import { addressAt, IPV6_DESTINATION_OFFSET, IPV6_HEADER_BYTES, isIpv6Packet } from '../../src/dataplane/ipv6.js';
import { addonBackend } from '../../src/dataplane/tun-addon.js';
import { TUN_READ_BATCH } from '../../src/dataplane/tun-device.js';
import { NativeEndpoint, type NativeEndpointCounters } from '../../src/link/native-endpoint.js';
import { handOverFd, NativeLinks, type NativeLink } from '../../src/link/native-link.js';
import { nativeSessionOffload } from '../../src/node/session-offload.js';
import { type CipherKeys, type KeypairCipher, PeerActivity, TypeScriptCipher } from '../../src/session/index.js';
import { createLogger } from '../../src/util/log.js';
import { AEAD_TAG_BYTES } from '../../src/crypto/primitives.js';
import { MESH_PACKET_CHANNEL, PacketType, DATA_CIPHERTEXT_OFFSET } from '../../src/wire/packet-constants.js';
import { writeHeader } from '../../src/wire/packet.js';
import { TUN_READ_ROOM } from '../../src/wire/packet-room.js';
import { encodePayload } from '../../src/wire/link-messages.js';
import { SessionPayloadKind } from '../../src/wire/session-payload.js';
import { type FuzzTarget, invariant } from '../engine/target.js';
import { LINK_FRAME_KEY, sealedStream } from './link-frames.js';
import { hex, immediate, ipv6, LoopbackListener, within } from './loopback.js';

/** Wall time an execution waits for its connection, the sentinel and the link's end. */
const WAIT_MS = 2_000;
const MAX_PACKETS = 24;
/** The reader's read size (a TUN device's MTU). */
const READ_MAX_BYTES = 1_600;
/** The endpoint's own bound: larger packets go up (for a Packet Too Big there). */
const MAX_IP_PACKET_BYTES = 1_400;
const REKEY_AFTER_MESSAGES = 12;
const REKEY_AFTER_MS = 120_000;
const REJECT_AFTER_MS = 180_000;
const HOP_LIMIT = 64;
const MESSAGE_LIMIT = 2 ** 48;
const QUEUE_LIMIT = 1024 * 1024;

const LOCAL_ID = new Uint8Array(16).fill(0x7c);
const OWN_ADDRESS = Uint8Array.of(0xfd, ...new Uint8Array(15).fill(0x7c));
const peerId = (b: number): Uint8Array => new Uint8Array(16).fill(b);
const peerAddress = (b: number): Uint8Array => Uint8Array.of(0xfd, ...new Uint8Array(15).fill(b));
const PEER_A = { id: peerId(0xa1), address: peerAddress(0xa1) };
const PEER_B = { id: peerId(0xb2), address: peerAddress(0xb2) };
const PEER_C = { id: peerId(0xc3), address: peerAddress(0xc3) };
const A_KEYS: CipherKeys = {
  localIndex: 0x0a0a_0001, remoteIndex: 0x0a0a_0002, sendKey: new Uint8Array(32).fill(0x5a), receiveKey: new Uint8Array(32).fill(0xa5),
  role: 'responder', createdAtMs: 0, messageLimit: MESSAGE_LIMIT,
};

/** What byte 0 of an input asks for. */
interface KeyState {
  primeSeals: number;
  outboundClosed: boolean;
  initiator: boolean;
  pastRekeyAge: boolean;
  pastRejectAge: boolean;
}

function keyState(b: number): KeyState {
  return { primeSeals: b & 0x0f, outboundClosed: (b & 0x10) !== 0, initiator: (b & 0x20) !== 0, pastRekeyAge: (b & 0x40) !== 0, pastRejectAge: (b & 0x80) !== 0 };
}

const readerBatch = (b: number): number => (b >= 128 ? TUN_READ_BATCH : 1 + (b % 8));

/** An input (see the top of the file): the state byte, the batch byte, then each packet as one record. */
function encodeInput(state: number, batch: number, packets: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(state, batch)];
  for (const p of packets) parts.push(Uint8Array.of(p.byteLength >> 8, p.byteLength & 0xff), p);
  return new Uint8Array(Buffer.concat(parts));
}

/** The records of an input, as the reader will read them (cut to READ_MAX_BYTES). */
function records(input: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 2; at + 2 <= input.byteLength && out.length < MAX_PACKETS;) {
    const length = Math.min((input[at]! << 8) | input[at + 1]!, READ_MAX_BYTES, input.byteLength - at - 2);
    out.push(input.subarray(at + 2, at + 2 + length));
    at += 2 + length;
  }
  return out;
}

interface Rig {
  links: NativeLinks;
  endpoint: NativeEndpoint;
  filter: object;
  /** PEER_A's entry: a new current cipher per execution, and its activity record. */
  newKeysForA: (state: KeyState) => KeypairCipher;
  activityA: Float64Array;
  /** The link PEER_A is routed over (null between executions). */
  routeA: NativeLink | null;
  /** Held so its handle (and so the fd the reader polls) stays open. */
  tun: dgram.Socket;
  tunFd: number;
  tunPort: number;
  sender: dgram.Socket;
  listener: LoopbackListener;
}

let rig: Promise<Rig> | null = null;

/**
 * The fd of a bound UDP socket that Node no longer reads: the TUN reader's
 * from now on. Node has no public fd for a dgram socket; its handle does.
 */
function takeOverUdpFd(socket: dgram.Socket): number {
  const quiet = process.noDeprecation;
  process.noDeprecation = true; // the handle getter warns once; this is a test rig's one use of it
  try {
    const handle = (socket as unknown as { _handle: { fd: number; recvStop(): number } })._handle;
    if (handle.recvStop() !== 0 || !(handle.fd >= 0)) throw new Error('the UDP socket has no fd to take over');
    return handle.fd;
  } finally {
    process.noDeprecation = quiet;
  }
}

function getRig(): Promise<Rig> {
  rig ??= (async () => {
    const links = NativeLinks.load(LOCAL_ID);
    if (typeof links === 'string') throw new Error(`the native-tun target needs the addon (npm run build:native): ${links}`);
    const endpoint = NativeEndpoint.setUp(links, {
      ownAddress: OWN_ADDRESS, nowMs: performance.now(), rejectAfterMs: REJECT_AFTER_MS, rekeyAfterMs: REKEY_AFTER_MS, rekeyAfterMessages: REKEY_AFTER_MESSAGES,
      keepaliveMs: 10_000, handshakeRetryMs: 1_000, maxIpPacketBytes: MAX_IP_PACKET_BYTES, hopLimit: HOP_LIMIT,
    });
    if (typeof endpoint === 'string') throw new Error(`the native-tun target needs the endpoint: ${endpoint}`);
    endpoint.setTun(openSync('/dev/null', 'w'));
    const addressOf = (id: Uint8Array) => [PEER_A, PEER_B, PEER_C].find((p) => Buffer.from(p.id).equals(id))!.address;
    const offload = nativeSessionOffload(endpoint, addressOf, createLogger({ level: 'silent' }));
    const newActivity = () => new Float64Array(PeerActivity.FIELDS).fill(Number.NaN);
    const activityA = newActivity();
    const a = offload.addPeer(PEER_A.id, activityA)!;
    offload.addPeer(PEER_B.id, newActivity());
    const c = offload.addPeer(PEER_C.id, newActivity())!;
    c.setCurrent(c.ciphers({ ...A_KEYS, localIndex: 0x0c0c_0001, createdAtMs: performance.now() }));
    const newKeysForA = (state: KeyState): KeypairCipher => {
      const age = state.pastRejectAge ? REJECT_AFTER_MS + 20_000 : state.pastRekeyAge ? REKEY_AFTER_MS + 20_000 : 0;
      const cipher = a.ciphers({ ...A_KEYS, role: state.initiator ? 'initiator' : 'responder', createdAtMs: performance.now() - age, sendKey: new Uint8Array(A_KEYS.sendKey) });
      a.setCurrent(cipher);
      return cipher;
    };

    const tun = dgram.createSocket('udp4');
    tun.bind(0, '127.0.0.1');
    await once(tun, 'listening');
    tun.unref();
    const sender = dgram.createSocket('udp4');
    sender.unref();
    const r: Rig = {
      links, endpoint, filter: endpoint.tunFilter(), newKeysForA, activityA, routeA: null,
      tun, tunFd: takeOverUdpFd(tun), tunPort: tun.address().port, sender, listener: await LoopbackListener.open(),
    };
    links.routesFrom(() => (r.routeA === null ? [] : [[PEER_A.id, r.routeA]]));
    return r;
  })();
  return rig;
}

interface Prediction {
  /** What comes up to JavaScript, in order. */
  up: Uint8Array[];
  /** The link messages the endpoint writes for the taken packets, as the TypeScript path builds them. */
  sent: Uint8Array[];
  takenBytes: number;
}

/** Which packets the endpoint takes, and what it writes for them (see the top of the file). */
function predict(packets: readonly Uint8Array[], state: KeyState): Prediction {
  const cipher = new TypeScriptCipher({ ...A_KEYS, sendKey: new Uint8Array(A_KEYS.sendKey) });
  for (let i = 0; i < state.primeSeals; i++) cipher.seal(new Uint8Array(DATA_CIPHERTEXT_OFFSET + AEAD_TAG_BYTES), new Uint8Array(0));
  const keysUsable = !state.pastRejectAge && !(state.initiator && state.pastRekeyAge);
  const out: Prediction = { up: [], sent: [], takenBytes: 0 };
  for (const p of packets) {
    if (p.byteLength === 0) continue; // an empty read carries no packet
    const taken = !state.outboundClosed && p.byteLength <= MAX_IP_PACKET_BYTES && isIpv6Packet(p) && addressAt(p, IPV6_DESTINATION_OFFSET, PEER_A.address) &&
      keysUsable && cipher.sent + 1 < REKEY_AFTER_MESSAGES;
    if (!taken) {
      out.up.push(p);
      continue;
    }
    const packet = new Uint8Array(DATA_CIPHERTEXT_OFFSET + 1 + p.byteLength + AEAD_TAG_BYTES);
    writeHeader(packet, { type: PacketType.DATA, hopLimit: HOP_LIMIT, source: LOCAL_ID, destination: PEER_A.id });
    cipher.seal(packet, Uint8Array.of(SessionPayloadKind.IP, ...p));
    out.sent.push(encodePayload(MESH_PACKET_CHANNEL, packet));
    out.takenBytes += p.byteLength;
  }
  return out;
}

const counterDelta = (a: NativeEndpointCounters, b: NativeEndpointCounters) => ({
  sent: b.sent - a.sent, tunPacketsRead: b.tunPacketsRead - a.tunPacketsRead, tunBytesRead: b.tunBytesRead - a.tunBytesRead,
});

/** A packet no input can send: 39 bytes (not IPv6), ending in a number fresh per execution. */
let sentinelSerial = 0;
function nextSentinel(): Uint8Array {
  const s = new Uint8Array(IPV6_HEADER_BYTES - 1).fill(0xee);
  new DataView(s.buffer).setFloat64(s.byteLength - 8, ++sentinelSerial + Math.random());
  return s;
}

function send(socket: dgram.Socket, port: number, datagram: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => socket.send(datagram, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
}

/** What went up and what the link's far end received, in one execution. */
interface Observed {
  up: Uint8Array[];
  wire: Buffer[];
}

export const nativeTunTarget: FuzzTarget = {
  name: 'native-tun',
  description: 'native/endpoint.c through the TUN reader: read packets of any bytes, taken and sealed natively or handed up intact, held against the TypeScript path',
  maxInputBytes: 2 + MAX_PACKETS * (2 + READ_MAX_BYTES),
  usesSockets: true,
  async run(input) {
    if (input.byteLength < 2) return 'short';
    const state = keyState(input[0]!);
    const packets = records(input);
    const expected = predict(packets, state);
    const r = await getRig();
    const deadline = performance.now() + WAIT_MS;
    const sentinel = nextSentinel();
    const seen: Observed = { up: [], wire: [] };
    let sentinelCame: () => void = () => {};
    const sentinelUp = new Promise<void>((resolve) => { sentinelCame = resolve; });

    r.activityA.fill(Number.NaN);
    r.endpoint.setOpen(true, !state.outboundClosed);
    const keys = r.newKeysForA(state);
    for (let i = 0; i < state.primeSeals; i++) keys.seal(new Uint8Array(DATA_CIPHERTEXT_OFFSET + AEAD_TAG_BYTES), new Uint8Array(0));
    const startedMs = performance.now();
    const before = r.endpoint.counters();
    let link: NativeLink | null = null;
    let client: net.Socket | null = null;
    let stopReader: (() => Promise<void>) | null = null;
    try {
      const accepted = r.listener.next();
      const c = net.connect({ host: '127.0.0.1', port: r.listener.port, noDelay: true });
      client = c;
      c.on('error', () => {});
      c.on('data', (chunk: Buffer) => seen.wire.push(chunk));
      const farEnd = once(c, 'end');
      const [socket] = await within(Promise.all([accepted, once(c, 'connect')]), deadline, WAIT_MS, () => 'no loopback connection');
      const fd = handOverFd(socket);
      invariant(fd !== null, 'the accepted socket has no fd to hand over');
      link = r.links.attach(
        { fd, sendKey: LINK_FRAME_KEY, sendCounter: 0, receiveKey: new Uint8Array(32).fill(0x4c), receiveCounter: 0, messageLimit: MESSAGE_LIMIT, queueLimit: QUEUE_LIMIT, leftover: new Uint8Array(0) },
        { onFrames: () => {}, onEnd: () => {}, onDrain: () => {} },
      );
      socket.on('error', () => {});
      socket.destroy();
      r.routeA = link;
      r.links.queueRouteRefresh();
      await immediate(); // the route table is installed on the turn after a change

      stopReader = addonBackend().startReader(r.tunFd, READ_MAX_BYTES, readerBatch(input[1]!), TUN_READ_ROOM, (batch) => {
        for (const p of batch) {
          if (Buffer.from(p).equals(sentinel)) sentinelCame();
          else seen.up.push(new Uint8Array(p));
        }
      }, r.filter);
      for (const p of packets) await send(r.sender, r.tunPort, p);
      await send(r.sender, r.tunPort, sentinel);
      await within(sentinelUp, deadline, WAIT_MS, () => `the sentinel did not come up (${seen.up.length} packets up of ${expected.up.length} predicted)`);
      link.end();
      await within(farEnd, deadline, WAIT_MS, () => `the link's far end saw no end after ${Buffer.concat(seen.wire).byteLength} bytes`);
    } finally {
      await stopReader?.();
      r.routeA = null;
      r.links.queueRouteRefresh();
      r.listener.cancel();
      // Not resetAndDestroy: after 'end' (with its automatic end() pending) Node 20 then never finishes exiting.
      client?.destroy();
      link?.destroy();
      keys.wipe();
    }
    const endedMs = performance.now();

    for (let i = 0; i < Math.min(seen.up.length, expected.up.length); i++) {
      invariant(Buffer.from(seen.up[i]!).equals(expected.up[i]!), `packet ${i} up differs: ${hex(seen.up[i]!)}, read ${hex(expected.up[i]!)}`);
    }
    invariant(seen.up.length === expected.up.length, `${seen.up.length} packets came up, the reference predicts ${expected.up.length} (and ${expected.sent.length} taken)`);
    const wire = Buffer.concat(seen.wire);
    const want = Buffer.from(sealedStream(expected.sent));
    invariant(wire.equals(want), `the link carried ${wire.byteLength} bytes for ${expected.sent.length} taken packets; the TypeScript path would send ${want.byteLength}, first difference at ${firstDifference(wire, want)}`);
    const taken = counterDelta(before, r.endpoint.counters());
    const predicted = { sent: expected.sent.length, tunPacketsRead: expected.sent.length, tunBytesRead: expected.takenBytes };
    invariant(JSON.stringify(taken) === JSON.stringify(predicted), `the endpoint counted ${JSON.stringify(taken)}, the reference predicts ${JSON.stringify(predicted)}`);
    const activity = r.activityA;
    const inExecution = (v: number | undefined) => v !== undefined && v >= startedMs && v <= endedMs;
    if (expected.sent.length > 0) {
      invariant(inExecution(activity[PeerActivity.LAST_SENT]) && inExecution(activity[PeerActivity.AWAITING_REPLY_SINCE]) && Number.isNaN(activity[PeerActivity.UNANSWERED_SINCE]),
        `PEER_A's activity after a native send: ${Array.from(activity).join(', ')} (execution ${startedMs}..${endedMs})`);
    } else {
      invariant(activity.every(Number.isNaN), `PEER_A's activity changed with nothing sent: ${Array.from(activity).join(', ')}`);
    }
    const reasons = new Set(expected.up.map((p) => upReason(p, state)));
    return `${expected.sent.length > 0 ? 'taken' : 'none-taken'}|${[...reasons].sort().join(',')}`;
  },
  generator: fc.tuple(
    fc.integer({ min: 0, max: 255 }),
    fc.integer({ min: 0, max: 255 }),
    fc.array(fc.oneof(
      { weight: 6, arbitrary: fc.tuple(fc.constantFrom(PEER_A.address, PEER_B.address, PEER_C.address, OWN_ADDRESS), fc.oneof(
        fc.integer({ min: 0, max: 200 }), fc.integer({ min: MAX_IP_PACKET_BYTES - IPV6_HEADER_BYTES - 3, max: READ_MAX_BYTES - IPV6_HEADER_BYTES }),
      )).map(([destination, body]) => ipv6(OWN_ADDRESS, destination, body)) },
      { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: -3, max: 3 }), fc.integer({ min: 0, max: 15 })).map(([body, skew, version]) => {
        const p = ipv6(OWN_ADDRESS, PEER_A.address, body);
        new DataView(p.buffer).setUint16(4, Math.max(0, body + skew));
        p[0] = (version << 4) | (p[0]! & 0x0f);
        return p;
      }) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 80 }) },
      { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
    ), { maxLength: MAX_PACKETS }),
  ).map(([state, batch, packets]) => encodeInput(state, batch, packets)),
};

/** Why the reference hands a packet up: the outcome label's part. */
function upReason(p: Uint8Array, state: KeyState): string {
  if (state.outboundClosed) return 'closed';
  if (p.byteLength > MAX_IP_PACKET_BYTES) return 'too-large';
  if (!isIpv6Packet(p)) return 'not-ipv6';
  const to = (peer: { address: Uint8Array }) => addressAt(p, IPV6_DESTINATION_OFFSET, peer.address);
  if (to(PEER_B)) return 'no-keys';
  if (to(PEER_C)) return 'no-route';
  if (!to(PEER_A)) return 'no-peer';
  return 'rekey-due';
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  let i = 0;
  while (i < a.byteLength && i < b.byteLength && a[i] === b[i]) i++;
  return i;
}


/** Seeds for the corpus (fuzz/capture.ts): genuine shapes of TUN reads. */
export function nativeTunSeeds(): Record<string, Uint8Array> {
  const toA = (body: number) => ipv6(OWN_ADDRESS, PEER_A.address, body);
  return {
    'to-peer-in-order': encodeInput(0, 200, [toA(20), toA(64), toA(1)]),
    'every-destination': encodeInput(0, 3, [toA(8), ipv6(OWN_ADDRESS, PEER_B.address, 8), ipv6(OWN_ADDRESS, PEER_C.address, 8), ipv6(OWN_ADDRESS, OWN_ADDRESS, 8), toA(8)]),
    'across-the-rekey-limit': encodeInput(8, 0, Array.from({ length: 6 }, (_, i) => toA(10 + i))),
    'size-bounds': encodeInput(0, 200, [toA(MAX_IP_PACKET_BYTES - IPV6_HEADER_BYTES), toA(MAX_IP_PACKET_BYTES - IPV6_HEADER_BYTES + 1), new Uint8Array(0), toA(0)]),
    'old-initiator-keys': encodeInput(0x60, 200, [toA(30), toA(30)]),
  };
}
