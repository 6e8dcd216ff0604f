/**
 * Static peers: links beyond the local segment (`peers` in the config, see
 * peer-config.ts). Each configured peer is dialed and kept dialed with
 * capped, jittered backoff; the handshake and every check are exactly those
 * of a discovered link. A pinned peer's dial also carries the name and id it
 * must prove, so the handshake refuses any other member answering at the
 * address (the link manager raises the `security` event). Once we know which
 * node a peer address leads to (from its pinned id, or its first link), we do
 * not dial it again while a link to that node is up (its own dial to us
 * counts too).
 *
 * Each peer's state (linked, connecting, backing off), the address tried,
 * the last error and the next retry are kept for `skein peers`, and failures
 * are logged at warn: the first one, then at most once per
 * STATIC_PEER_WARN_INTERVAL_MS with the count since the last line, so a peer
 * that is down is visible without flooding the log. Peers added at run time
 * (`skein peers add`) live until the node stops.
 */
import { DialBackoff } from '../link/index.js';
import type { ExpectedPeer } from '../link/types.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import type { Random } from '../util/random.js';
import type { DialFailure, LinkManager } from './link-manager.js';
import type { StaticPeerStatus } from '../control/protocol.js';
import { STATIC_VIA } from './link-manager.js';
import { MAX_STATIC_PEERS, type PeerAddress, type StaticPeerConfig, describeStaticPeer, expectedPeerOf, parsePeerAddress } from './peer-config.js';

/** While a static peer's link is up, check this often whether it still is. */
export const STATIC_PEER_CHECK_MS = 2_000;
/** A failing peer is logged at warn at most this often (its first failure at once). */
export const STATIC_PEER_WARN_INTERVAL_MS = 60_000;

export type StaticPeerState = StaticPeerStatus['state'];
export type { StaticPeerStatus };

interface PeerState {
  config: StaticPeerConfig;
  source: 'config' | 'runtime';
  addr: PeerAddress;
  label: string;
  expected: ExpectedPeer | undefined;
  backoff: DialBackoff;
  peerId: string | undefined;
  timer: TimerHandle | undefined;
  dialing: boolean;
  removed: boolean;
  failuresTotal: number;
  lastError: { code: string; message: string; atMs: number } | null;
  nextRetryAtMs: number | null;
  /** Failures not yet in a warn line, and when the last warn line was written. */
  unreported: number;
  lastWarnAtMs: number | undefined;
}

function addressOf(peer: StaticPeerConfig, where: string): PeerAddress {
  const parsed = parsePeerAddress(peer.address);
  if (typeof parsed === 'string') throw new SkeinError(ErrorCodes.CONFIG, `${where}: '${peer.address}' ${parsed}`);
  return parsed;
}

export class StaticPeers {
  readonly name = 'static-peers';
  private readonly peers: PeerState[] = [];
  private started = false;
  private stopped = false;

  constructor(peers: readonly StaticPeerConfig[], private readonly links: LinkManager, private readonly clock: Clock, private readonly random: Random, private readonly log: Logger) {
    peers.forEach((peer, i) => this.peers.push(this.newState(peer, 'config', addressOf(peer, `peers[${i}].address`))));
  }

  start(): void {
    this.started = true;
    for (const p of this.peers) this.attempt(p);
  }

  stop(): void {
    this.stopped = true;
    for (const p of this.peers) p.timer?.cancel();
  }

  /** Add a peer while running (`skein peers add`); it is dialed at once and kept until the node stops. */
  add(peer: StaticPeerConfig): StaticPeerStatus {
    const addr = addressOf(peer, 'address');
    if (this.peers.some((p) => p.config.address === peer.address)) throw new SkeinError(ErrorCodes.USAGE, `static peer ${peer.address} is already configured`);
    if (this.peers.length >= MAX_STATIC_PEERS) throw new SkeinError(ErrorCodes.USAGE, `at most ${MAX_STATIC_PEERS} static peers`);
    const p = this.newState(peer, 'runtime', addr);
    this.peers.push(p);
    this.log.info({ peer: p.label }, 'static peer added (until the node stops)');
    if (this.started) this.attempt(p);
    return this.describe(p);
  }

  /** Stop dialing a peer (config or runtime) until the node restarts; an existing link stays up. */
  remove(address: string): StaticPeerStatus {
    const i = this.peers.findIndex((p) => p.config.address === address);
    const p = this.peers[i];
    if (p === undefined) {
      const known = this.peers.map((q) => q.config.address).join(', ') || 'none';
      throw new SkeinError(ErrorCodes.USAGE, `no static peer ${address} (configured: ${known})`);
    }
    p.removed = true;
    p.timer?.cancel();
    this.peers.splice(i, 1);
    this.log.info({ peer: p.label }, 'static peer removed (until the node restarts)');
    return this.describe(p);
  }

  status(): StaticPeerStatus[] {
    return this.peers.map((p) => this.describe(p));
  }

  private newState(config: StaticPeerConfig, source: 'config' | 'runtime', addr: PeerAddress): PeerState {
    return {
      config, source, addr, label: describeStaticPeer(config), expected: expectedPeerOf(config),
      backoff: new DialBackoff(this.clock, this.random), peerId: config.id,
      timer: undefined, dialing: false, removed: false, failuresTotal: 0, lastError: null, nextRetryAtMs: null, unreported: 0, lastWarnAtMs: undefined,
    };
  }

  private describe(p: PeerState): StaticPeerStatus {
    // The link may be the one the peer dialed to us (same key): it counts, as it does for dialing.
    const link = p.peerId === undefined ? undefined : this.links.allLinks().find((l) => l.via === STATIC_VIA && l.peer.idText === p.peerId);
    const state: StaticPeerState = link ? 'linked' : p.dialing || p.nextRetryAtMs === null ? 'connecting' : 'backing-off';
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      address: p.config.address,
      name: p.config.name ?? null,
      id: p.config.id ?? null,
      source: p.source,
      state,
      tried: p.addr.host.includes(':') ? `[${p.addr.host}]:${p.addr.port}` : `${p.addr.host}:${p.addr.port}`,
      linkedTo: link ? { name: link.peer.name, id: link.peer.idText } : null,
      failures: p.backoff.failures,
      failuresTotal: p.failuresTotal,
      lastError: p.lastError && { code: p.lastError.code, message: p.lastError.message, at: iso(p.lastError.atMs) },
      nextRetryAt: state === 'backing-off' && p.nextRetryAtMs !== null ? iso(p.nextRetryAtMs) : null,
    };
  }

  private later(p: PeerState, ms: number): void {
    if (this.stopped || p.removed) return;
    p.timer?.cancel();
    p.timer = this.clock.setTimeout(() => this.attempt(p), ms);
  }

  private attempt(p: PeerState): void {
    if (this.stopped || p.removed || p.dialing) return;
    if (p.peerId !== undefined && this.links.hasLinkTo(p.peerId, STATIC_VIA)) {
      this.later(p, STATIC_PEER_CHECK_MS);
      return;
    }
    p.dialing = true;
    p.nextRetryAtMs = null;
    let failure: DialFailure | undefined;
    const target = { host: p.addr.host, port: p.addr.port, via: STATIC_VIA, ...(p.expected ? { expected: p.expected } : {}) };
    void this.links.dial(undefined, target, (f) => { failure = f; }).then((link) => {
      p.dialing = false;
      if (link) {
        p.peerId = link.peer.idText;
        if (p.backoff.failures > 0) this.log.info({ peer: p.label, linkedTo: link.peer.name, failures: p.backoff.failures }, 'static peer linked after failures');
        p.backoff.recordSuccess();
        p.unreported = 0;
        p.lastWarnAtMs = undefined;
        this.later(p, STATIC_PEER_CHECK_MS);
      } else {
        this.failed(p, failure ?? { code: ErrorCodes.LINK_CLOSED, message: 'the connection ended before a link was up' });
      }
    });
  }

  private failed(p: PeerState, failure: DialFailure): void {
    const delay = p.backoff.recordFailure();
    const now = this.clock.now();
    p.failuresTotal++;
    p.unreported++;
    p.lastError = { code: failure.code, message: failure.message, atMs: now };
    p.nextRetryAtMs = now + delay;
    const retryInMs = Math.round(delay);
    if (p.lastWarnAtMs === undefined || now - p.lastWarnAtMs >= STATIC_PEER_WARN_INTERVAL_MS) {
      this.log.warn({ peer: p.label, code: failure.code, reason: failure.message, failedSinceLastReport: p.unreported, retryInMs },
        p.lastWarnAtMs === undefined ? `static peer ${p.config.address} unreachable: ${failure.message}` : `static peer ${p.config.address} still unreachable (${p.unreported} failed attempts since the last report): ${failure.message}`);
      p.lastWarnAtMs = now;
      p.unreported = 0;
    } else {
      this.log.debug({ peer: p.label, code: failure.code, reason: failure.message, retryInMs, failures: p.backoff.failures }, 'static peer dial failed');
    }
    this.later(p, delay);
  }
}
