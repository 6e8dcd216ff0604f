/**
 * How sessions use Noise IK: the prologue, what the payloads carry, and the
 * responder's checks, run inside the handshake before it answers:
 *
 *   1. message 1 decrypts with our static key (else SKEIN_ERR_HANDSHAKE);
 *   2. its payload decodes (sender index, timestamp, certificate chain);
 *   3. the injected authenticator accepts the chain for the initiator's
 *      static key (CA, validity, revocation: its SkeinError passes through);
 *   4. the proven node is the packet's source (else SKEIN_ERR_AUTH): a relay
 *      cannot pass one member's handshake off as another's;
 *   5. the timestamp is newer than the last accepted from that node (else
 *      SKEIN_ERR_REPLAY): a captured init replayed later gets no answer.
 *
 * Replay defence, as WireGuard's TAI64N: each node stamps its inits from a
 * clock that never repeats or goes back within a run (HandshakeClock), and
 * starts from wall time, so a restarted node's stamps are still newer. The
 * responder remembers the newest stamp per node. A replayed init after the
 * RESPONDER restarted is answered, but gains nothing: its sender cannot
 * finish without the initiator's keys, and the responder does not use the
 * new keys for sending until data arrives under them.
 */
import { NoiseIKInitiator, NoiseIKResponder, type NoiseKeys } from '../crypto/noise-ik.js';
import { type DhKeyPair, x25519PublicFromEd25519 } from '../crypto/primitives.js';
import { DecodeError, ErrorCodes, SkeinError } from '../util/errors.js';
import { DEFAULT_HOP_LIMIT, MESH_PACKET_VERSION, PacketType } from '../wire/packet-constants.js';
import { noisePrologue } from '../crypto/noise-state.js';
import { encodePacket, sourceIdText, packetSource } from '../wire/packet.js';
import {
  decodeInit,
  decodeInitPayload,
  decodeResponse,
  decodeResponsePayload,
  encodeInitPayload,
  encodeResponseBody,
  encodeResponsePayload,
} from '../wire/session-messages.js';
import type { AuthenticateSessionPeer, SessionPeer } from './types.js';

export const SESSION_PROLOGUE_LABEL = 'skein session';
/** The cluster id (RFC 4193 global id) bound into the prologue. */
export const SESSION_CLUSTER_ID_BYTES = 5;
const MICROS_PER_MS = 1000;

/** "skein session" || mesh packet version || cluster id: both sides must agree on all three. */
export function sessionPrologue(clusterId: Uint8Array): Uint8Array {
  return noisePrologue(SESSION_PROLOGUE_LABEL, MESH_PACKET_VERSION, clusterId, SESSION_CLUSTER_ID_BYTES);
}

/** Handshake timestamps: microseconds of wall time, forced strictly increasing within a run. */
export class HandshakeClock {
  private last = 0;

  next(nowMs: number): number {
    const t = Math.max(Math.floor(nowMs) * MICROS_PER_MS, this.last + 1);
    this.last = t;
    return t;
  }
}

export interface LocalHandshakeParams {
  staticKeyPair: DhKeyPair;
  prologue: Uint8Array;
  localId: Uint8Array;
  /** Our new session's index (the peer writes it in every packet it sends us). */
  localIndex: number;
}

export interface InitiateParams extends LocalHandshakeParams {
  peer: SessionPeer;
  timestamp: number;
  chain: Uint8Array;
}

/** Start a handshake with `peer`: the handshake state and the INIT packet to send. */
export function initiate(p: InitiateParams): { handshake: NoiseIKInitiator; packet: Uint8Array } {
  let remoteStatic: Uint8Array;
  try {
    remoteStatic = x25519PublicFromEd25519(p.peer.publicKey);
  } catch (err) {
    throw new SkeinError(ErrorCodes.HANDSHAKE, `session with ${p.peer.idText}: its certified key is not a usable curve point`, { cause: err });
  }
  const handshake = new NoiseIKInitiator({
    staticKeyPair: p.staticKeyPair,
    remoteStatic,
    prologue: p.prologue,
    payload: encodeInitPayload({ senderIndex: p.localIndex, timestamp: p.timestamp, chain: p.chain }),
  });
  const message1 = handshake.start();
  const fields = { type: PacketType.HANDSHAKE_INIT, hopLimit: DEFAULT_HOP_LIMIT, source: p.localId, destination: p.peer.id };
  return { handshake, packet: encodePacket(fields, message1) };
}

export interface RespondParams extends LocalHandshakeParams {
  authenticate: AuthenticateSessionPeer;
  /** True if `timestamp` is newer than the last init accepted from `peerIdText`. */
  isFresh: (peerIdText: string, timestamp: number) => boolean;
}

export interface AcceptedInit {
  keys: NoiseKeys;
  peer: SessionPeer;
  initiatorIndex: number;
  timestamp: number;
  /** The RESPONSE packet to send back. */
  packet: Uint8Array;
}

/** Answer an INIT packet, or throw a SkeinError saying why not (see the checks above). */
export function respond(initPacket: Uint8Array, p: RespondParams): AcceptedInit {
  const message1 = decodeInit(initPacket);
  const claimed = sourceIdText(initPacket);
  let payload: { senderIndex: number; timestamp: number } | undefined;
  const responder = new NoiseIKResponder<SessionPeer>({
    staticKeyPair: p.staticKeyPair,
    prologue: p.prologue,
    payload: encodeResponsePayload(p.localIndex),
    authenticate: (bytes, remoteStatic) => {
      const decoded = decodeOrHandshakeError(() => decodeInitPayload(bytes), claimed);
      const peer = p.authenticate(decoded.chain, remoteStatic);
      if (peer.idText !== claimed) {
        throw new SkeinError(ErrorCodes.AUTH, `session init claims source ${claimed} but proves ${peer.idText} ('${peer.name}')`);
      }
      if (!p.isFresh(peer.idText, decoded.timestamp)) {
        throw new SkeinError(ErrorCodes.REPLAY, `session init from ${peer.idText} ('${peer.name}') is not newer than the last accepted (replayed or stale)`);
      }
      payload = decoded;
      return peer;
    },
  });
  const { send, result } = responder.receive(message1);
  if (payload === undefined) throw new SkeinError(ErrorCodes.HANDSHAKE, 'session init: payload missing after authentication');
  const fields = { type: PacketType.HANDSHAKE_RESPONSE, hopLimit: DEFAULT_HOP_LIMIT, source: p.localId, destination: packetSource(initPacket) };
  return {
    keys: result,
    peer: result.peer,
    initiatorIndex: payload.senderIndex,
    timestamp: payload.timestamp,
    packet: encodePacket(fields, encodeResponseBody(payload.senderIndex, send)),
  };
}

/** Finish our handshake with a RESPONSE packet: the keys and the responder's index. */
export function complete(handshake: NoiseIKInitiator, responsePacket: Uint8Array): { keys: NoiseKeys; responderIndex: number } {
  const { message2 } = decodeResponse(responsePacket);
  const keys = handshake.receive(message2);
  const responderIndex = decodeOrHandshakeError(() => decodeResponsePayload(keys.remotePayload), sourceIdText(responsePacket));
  return { keys, responderIndex };
}

function decodeOrHandshakeError<T>(fn: () => T, peer: string): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DecodeError) throw new SkeinError(ErrorCodes.HANDSHAKE, `session handshake from ${peer}: ${err.message}`);
    throw err;
  }
}
