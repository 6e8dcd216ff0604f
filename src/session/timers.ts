/**
 * Every session timer, as named hooks run by `tick(nowMs)` for each peer,
 * in this order:
 *
 *   onCertificateExpired  the peer's certificate ended: close its sessions
 *   onKeysExpired         keys older than rejectAfterMs are dropped
 *   onHandshakeRetryDue   no response by retryAtMs: a fresh attempt, or give
 *                         up (drop the queue) after handshakeGiveUpMs
 *   onKeepaliveDue        data received, nothing sent back for keepaliveMs:
 *                         send an empty keepalive (the peer's liveness check)
 *   onReplyOverdue        data sent, nothing received for keepaliveMs +
 *                         handshakeRetryMs: the peer may have restarted, so
 *                         handshake again
 *   (idle peers are forgotten)
 */
import type { SessionCore } from './core.js';
import type { PeerSessions } from './peer.js';
import type { SessionResult } from './types.js';

function onCertificateExpired(core: SessionCore, peer: PeerSessions, nowMs: number, out: SessionResult): boolean {
  const notAfter = peer.identity?.notAfterMs;
  if (notAfter === undefined || core.wallMs(nowMs) <= notAfter) return false;
  core.close(peer.idText, 'certificate-expired', out);
  return true;
}

function onKeysExpired(core: SessionCore, peer: PeerSessions, nowMs: number): void {
  const { rejectAfterMs } = core.limits;
  for (const slot of ['current', 'previous', 'next'] as const) {
    const kp = peer[slot];
    if (kp !== undefined && !kp.canOpen(nowMs, rejectAfterMs)) {
      core.discard(kp);
      peer[slot] = undefined;
    }
  }
}

function onHandshakeRetryDue(core: SessionCore, peer: PeerSessions, nowMs: number, out: SessionResult): boolean {
  const pending = peer.pending;
  if (pending === undefined || nowMs < pending.retryAtMs) return false;
  if (nowMs - pending.firstAttemptMs >= core.limits.handshakeGiveUpMs) {
    if (peer.current === undefined) {
      core.close(peer.idText, 'handshake-timeout', out);
      return true;
    }
    core.discardPending(peer); // a rekey that failed: the old keys carry on until they expire
    return false;
  }
  core.newAttempt(peer, pending.identity, nowMs, pending.firstAttemptMs, pending.attempt + 1, out);
  return false;
}

function onKeepaliveDue(core: SessionCore, peer: PeerSessions, nowMs: number, out: SessionResult): void {
  const since = peer.unansweredSinceMs;
  if (since === undefined || nowMs - since < core.limits.keepaliveMs) return;
  const kp = peer.current;
  if (kp !== undefined && kp.canSeal(nowMs, core.limits.rejectAfterMs)) core.sendKeepalive(peer, kp, nowMs, out);
  peer.unansweredSinceMs = undefined;
}

function onReplyOverdue(core: SessionCore, peer: PeerSessions, nowMs: number, out: SessionResult): void {
  const since = peer.awaitingReplySinceMs;
  if (since === undefined || nowMs - since < core.limits.keepaliveMs + core.limits.handshakeRetryMs) return;
  peer.awaitingReplySinceMs = undefined;
  // No keys and nothing queued: no session to save; the next send handshakes anyway.
  if (peer.current === undefined && peer.queue.length === 0) return;
  core.startHandshake(peer, nowMs, out);
}

export function runTimers(core: SessionCore, nowMs: number, out: SessionResult): void {
  for (const peer of [...core.peers.values()]) {
    if (onCertificateExpired(core, peer, nowMs, out)) continue;
    onKeysExpired(core, peer, nowMs);
    if (onHandshakeRetryDue(core, peer, nowMs, out)) continue;
    onKeepaliveDue(core, peer, nowMs, out);
    onReplyOverdue(core, peer, nowMs, out);
    if (peer.idle) core.forget(peer);
  }
}
