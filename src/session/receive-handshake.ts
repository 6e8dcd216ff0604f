/**
 * Receiving the two handshake packets.
 *
 *   INIT:      budgets (handshake-budget.ts: proven source checked, then
 *              arrival link + claimed source, arrival link, global) -> room
 *              for the peer? -> IK responder with the checks of handshake.ts
 *              -> remember its timestamp, charge the proven source -> keys
 *              into `next` -> RESPONSE out
 *   RESPONSE:  our pending handshake by receiver index, from the node we
 *              sent the init to -> keys into `current` (old current kept as
 *              `previous`) -> flush the queue, or send one keepalive so the
 *              responder learns we have the keys
 *
 * A failed RESPONSE leaves the pending handshake failed in place: its retry
 * timer replaces it (a forged response cannot make us give up sooner).
 */
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { wipe } from '../crypto/primitives.js';
import { packetSource, sourceIdText } from '../wire/packet.js';
import { decodeResponse } from '../wire/session-messages.js';
import { type AcceptedInit, complete, respond } from './handshake.js';
import type { SessionCore } from './core.js';
import { SessionKeypair } from './keypair.js';
import type { PeerSessions } from './peer.js';
import type { NoiseKeys } from '../crypto/noise-ik.js';
import type { SessionDropReason, SessionResult } from './types.js';

function dropReasonFor(err: SkeinError): SessionDropReason {
  if (err.code === ErrorCodes.REPLAY) return 'handshake-replay';
  if (err.code === ErrorCodes.AUTH) return 'identity-mismatch';
  return 'handshake-failed';
}

function keypairFrom(core: SessionCore, keys: NoiseKeys, peer: PeerSessions, init: {
  localIndex: number; remoteIndex: number; role: 'initiator' | 'responder'; nowMs: number;
}): SessionKeypair {
  const kp = new SessionKeypair({
    localIndex: init.localIndex, remoteIndex: init.remoteIndex, sendKey: keys.sendKey, receiveKey: keys.receiveKey,
    role: init.role, createdAtMs: init.nowMs, localId: core.opts.localId, peerId: peer.id,
    messageLimit: core.limits.rejectAfterMessages,
  }, peer.offloaded?.ciphers);
  wipe(keys.sendKey);
  wipe(keys.receiveKey);
  return kp;
}

export function acceptInit(core: SessionCore, packet: Uint8Array, arrival: string, nowMs: number, out: SessionResult): SessionResult {
  const source = sourceIdText(packet);
  const refused = core.handshakeBudget.admitInit(arrival, source, nowMs);
  if (refused !== undefined) return core.drop(out, 'rate-limited', source, `init budget spent: ${refused}`);
  if (!core.hasRoomFor(source)) return core.drop(out, 'too-many-peers', source);
  const localIndex = core.allocIndex();
  let accepted: AcceptedInit;
  try {
    accepted = respond(packet, {
      staticKeyPair: core.opts.staticKeyPair,
      prologue: core.prologue,
      localId: core.opts.localId,
      localIndex,
      authenticate: core.opts.authenticatePeer,
      isFresh: (id, timestamp) => timestamp > (core.lastInitTimestamps.get(id) ?? -1),
    });
  } catch (err) {
    if (!(err instanceof SkeinError)) throw err;
    return core.drop(out, dropReasonFor(err), source, err.message);
  }
  core.lastInitTimestamps.set(accepted.peer.idText, accepted.timestamp);
  core.handshakeBudget.chargeProven(accepted.peer.idText, nowMs);
  const peer = core.peerFor(source, packetSource(packet))!;
  peer.identity = accepted.peer;
  core.installNext(peer, keypairFrom(core, accepted.keys, peer, {
    localIndex, remoteIndex: accepted.initiatorIndex, role: 'responder', nowMs,
  }));
  core.counters.handshakesResponded++;
  out.send.push({ to: source, bytes: accepted.packet });
  return out;
}

export function acceptResponse(core: SessionCore, packet: Uint8Array, nowMs: number, out: SessionResult): SessionResult {
  const source = sourceIdText(packet);
  const { receiverIndex } = decodeResponse(packet);
  const entry = core.indexes.get(receiverIndex);
  const pending = entry?.pending;
  if (entry === undefined || pending === undefined || entry.peer.idText !== source || entry.peer.pending !== pending) {
    return core.drop(out, 'unknown-session', source, `no handshake of ours has index ${receiverIndex}`);
  }
  const peer = entry.peer;
  let finished: ReturnType<typeof complete>;
  try {
    finished = complete(pending.handshake, packet);
  } catch (err) {
    if (!(err instanceof SkeinError)) throw err;
    return core.drop(out, 'handshake-failed', source, err.message);
  }
  const kp = keypairFrom(core, finished.keys, peer, {
    localIndex: pending.localIndex, remoteIndex: finished.responderIndex, role: 'initiator', nowMs,
  });
  core.indexes.set(pending.localIndex, { peer, keypair: kp });
  peer.pending = undefined;
  peer.identity = pending.identity;
  const rekey = peer.current !== undefined;
  core.promote(peer, kp);
  core.counters.sessionsEstablished++;
  out.events.push({ type: 'established', peer: pending.identity, role: 'initiator', rekey });
  if (core.flushQueue(peer, nowMs, out) === 0) core.sendKeepalive(peer, kp, nowMs, out);
  return out;
}
