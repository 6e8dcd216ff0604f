/**
 * The daemon's links: who dials whom, one link per node pair per interface,
 * the TCP listener, and the lifecycle of every SecureChannel.
 *
 *   sighting (discovery) ──► maybe dial fe80::…%if:port ──► SecureChannel (initiator, expected id+name)
 *   TCP accept ─────────────────────────────────────────► SecureChannel (responder)
 *   both ──► opened ──► adopt (duplicate tie-break) ──► 'linkUp' … 'linkDown'
 *
 * A link is keyed by `peer id | via`, where via is the interface name for a
 * link-local link and `static` for links to configured peers beyond the
 * segment. Discovery only hints; the handshake proves (the channel checks the
 * certificate and the expected id and name from the advertisement).
 */
import { EventEmitter } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { TrustStore } from '../identity/index.js';
import { DialBackoff, dialsFirst, resolveDuplicate, SecureChannel, type LinkCloseReason, type LinkConfig, type LinkStats } from '../link/index.js';
import type { AuthenticatePeer, ExpectedPeer } from '../link/types.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import type { Random } from '../util/random.js';
import { LinkCloseCode } from '../wire/link-constants.js';
import type { AuthenticatedPeer, NodeIdentity } from './identity.js';

/** The via of links to configured peers (not on a shared segment). */
export const STATIC_VIA = 'static';
/**
 * Every link's chain is re-checked at least this often, besides at once on
 * any change of trust and when the first certificate of a chain expires.
 */
export const CERT_RECHECK_INTERVAL_MS = 10_000;
/**
 * Messages a channel may deliver between opening and being adopted (see
 * newChannel): the peer's first routing summary and records come at once.
 */
export const MAX_EARLY_MESSAGES = 64;

export interface Link {
  readonly linkId: number;
  readonly key: string;
  readonly peer: AuthenticatedPeer;
  /** Interface name for link-local links, `static` otherwise. */
  readonly via: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly weDialed: boolean;
  /** Monotonic ms at open (tie-break), and wall-clock ms (display). */
  readonly openedAtMono: number;
  readonly openedAt: number;
  readonly channel: SecureChannel;
}

export interface NeighborInfo {
  name: string;
  id: string;
  interface: string;
  address: string;
  port: number;
  dialed: boolean;
  rttMs: number | null;
  uptimeMs: number;
  bytesIn: number;
  bytesOut: number;
  messagesIn: number;
  messagesOut: number;
  dropped: number;
}

export interface SecurityEvent {
  type: 'auth-failed' | 'handshake-failed' | 'revoked' | 'expired' | 'untrusted';
  address: string;
  via: string;
  expected?: ExpectedPeer;
  /** The proven peer, when the event is about an authenticated link. */
  peer?: string;
  id?: string;
  code?: string;
  reason: string;
}

export interface LinkManagerEvents {
  linkUp: [Link];
  linkDown: [Link, LinkCloseReason];
  message: [Link, number, Uint8Array];
  rtt: [Link, number];
  security: [SecurityEvent];
}

export interface LinkManagerOptions {
  identity: NodeIdentity;
  /** The node's trust store: each link's chain is re-checked against it. */
  trust: TrustStore;
  authenticatePeer: AuthenticatePeer;
  listenAddress: string;
  listenPort: number;
  linkConfig: Partial<LinkConfig>;
  maxPendingHandshakes: number;
  /** The higher id waits this long for the lower id to dial before dialing itself. */
  dialGraceMs: number;
  clock: Clock;
  random: Random;
  log: Logger;
}

export interface LinkCounters {
  inboundAccepted: number;
  inboundRefusedBusy: number;
  dialsStarted: number;
  dialsFailed: number;
  handshakeFailures: number;
  authFailures: number;
  /** Inbound connections closed before authenticating, for any reason but a refused certificate (garbage, timeouts, resets). */
  unauthenticatedDropped: number;
  duplicatesClosed: number;
}

export interface DialTarget {
  host: string;
  port: number;
  via: string;
  expected?: ExpectedPeer;
}

export class LinkManager extends EventEmitter<LinkManagerEvents> {
  readonly name = 'links';
  private server: Server | undefined;
  private boundPort = 0;
  private nextLinkId = 1;
  private readonly links = new Map<string, Link>();
  private readonly dialing = new Map<string, SecureChannel>();
  private readonly backoffs = new Map<string, DialBackoff>();
  private readonly firstSeen = new Map<string, number>();
  private readonly pending = new Set<SecureChannel>();
  private recheckTimer: TimerHandle | undefined;
  private stopped = false;
  readonly counters: LinkCounters = {
    inboundAccepted: 0, inboundRefusedBusy: 0, dialsStarted: 0, dialsFailed: 0, handshakeFailures: 0, authFailures: 0, unauthenticatedDropped: 0, duplicatesClosed: 0,
  };

  constructor(private readonly opts: LinkManagerOptions) {
    super();
  }

  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<void> {
    const server = createServer((sock) => this.onInbound(sock));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new SkeinError(ErrorCodes.CONFIG, `listen.port: cannot listen on [${this.opts.listenAddress}]:${this.opts.listenPort}: ${err.code ?? err.message}`)));
      server.listen({ host: this.opts.listenAddress, port: this.opts.listenPort, ipv6Only: false }, () => resolve());
    });
    server.on('error', (err) => this.opts.log.error({ err: err.message }, 'link listener error'));
    const addr = server.address();
    this.boundPort = typeof addr === 'object' && addr !== null ? addr.port : this.opts.listenPort;
    this.server = server;
    this.scheduleRecheck();
    this.opts.log.info({ port: this.boundPort }, 'listening for links');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.recheckTimer?.cancel();
    for (const ch of [...this.dialing.values(), ...this.pending]) ch.close('shutting down', LinkCloseCode.SHUTDOWN);
    for (const link of [...this.links.values()]) link.channel.close('shutting down', LinkCloseCode.SHUTDOWN);
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** A discovery sighting: dial if we have no link to that node on that interface and it is our turn. */
  considerDial(target: DialTarget & { idText: string; id: Uint8Array }): void {
    if (this.stopped || target.idText === this.opts.identity.key.idText) return;
    const key = linkKey(target.idText, target.via);
    if (this.links.has(key) || this.dialing.has(key)) return;
    if (!this.backoffFor(key).isReady()) return;
    if (!dialsFirst(this.opts.identity.key.id, target.id)) {
      const now = this.opts.clock.monotonic();
      const first = this.firstSeen.get(key) ?? now;
      this.firstSeen.set(key, first);
      if (now - first < this.opts.dialGraceMs) return;
    }
    this.dial(key, target);
  }

  /**
   * Dial a target; resolves when the attempt ends (link up or failed).
   * Used for sightings and, by the static-peer dialer, for configured peers.
   */
  dial(key: string | undefined, target: DialTarget): Promise<Link | undefined> {
    this.counters.dialsStarted++;
    const sock = connect({ host: target.host, port: target.port });
    sock.setNoDelay(true);
    const channel = this.newChannel(sock, 'initiator', target.expected);
    if (key !== undefined) this.dialing.set(key, channel);
    else this.pending.add(channel);
    const where = `[${target.host}]:${target.port}`;
    return channel.opened.then(
      (peer) => {
        if (key !== undefined) this.dialing.delete(key);
        else this.pending.delete(channel);
        const link = this.adopt(channel, peer as AuthenticatedPeer, target.via, target.host, target.port, true);
        if (link) this.backoffFor(link.key).recordSuccess();
        return link;
      },
      (err: SkeinError) => {
        if (key !== undefined) {
          this.dialing.delete(key);
          this.backoffFor(key).recordFailure();
        } else this.pending.delete(channel);
        this.counters.dialsFailed++;
        this.reportFailure(channel.closeReason, where, target.via, target.expected, err);
        return undefined;
      },
    );
  }

  /** Close every link on an interface that went away. */
  closeInterface(ifname: string): void {
    for (const link of [...this.links.values()]) {
      if (link.via === ifname) link.channel.close(`interface ${ifname} went down`, LinkCloseCode.INTERFACE_DOWN);
    }
  }

  /**
   * Re-check every link's whole chain (node, intermediate, CA) against the
   * trust store: a revoked key, a CA no longer trusted or an expired
   * certificate anywhere in it closes the link.
   */
  recheckCertificates(): void {
    const now = this.opts.clock.now();
    for (const link of [...this.links.values()]) {
      const loss = this.opts.trust.check(link.peer.standing, now);
      if (loss === undefined) continue;
      const type = loss.code === ErrorCodes.CERT_REVOKED ? 'revoked' : loss.code === ErrorCodes.CERT_EXPIRED ? 'expired' : 'untrusted';
      this.security({
        type, address: link.remoteAddress, via: link.via, peer: link.peer.name, id: link.peer.idText, code: loss.code,
        reason: `link to '${link.peer.name}' (${link.peer.idText}) closed: ${loss.reason}`,
      });
      link.channel.close(`your certificate chain is no longer trusted: ${loss.reason}`, type === 'revoked' ? LinkCloseCode.REVOKED : LinkCloseCode.AUTH_FAILED);
    }
    this.scheduleRecheck();
  }

  allLinks(): Link[] {
    return [...this.links.values()];
  }

  hasLinkTo(idText: string, via: string): boolean {
    return this.links.has(linkKey(idText, via));
  }

  neighbors(): NeighborInfo[] {
    return this.allLinks()
      .map((l) => describeLink(l, l.channel.stats()))
      .sort((a, b) => a.name.localeCompare(b.name) || a.interface.localeCompare(b.interface));
  }

  private backoffFor(key: string): DialBackoff {
    let b = this.backoffs.get(key);
    if (!b) {
      b = new DialBackoff(this.opts.clock, this.opts.random);
      this.backoffs.set(key, b);
    }
    return b;
  }

  /**
   * A channel opens inside its socket's data callback and may deliver the
   * peer's first messages from the same read, before `opened` settles and
   * adopt() subscribes: those are kept (bounded) and delivered right after
   * 'linkUp', so the routing layer knows the neighbour. Dropped, they were
   * only resent after the routing retransmit interval (2 s).
   */
  private readonly early = new WeakMap<SecureChannel, { messages: Array<[number, Uint8Array]>; listener: (ch: number, data: Uint8Array) => void }>();

  private newChannel(sock: Socket, role: 'initiator' | 'responder', expected?: ExpectedPeer): SecureChannel {
    const channel = this.createChannel(sock, role, expected);
    const messages: Array<[number, Uint8Array]> = [];
    const listener = (ch: number, data: Uint8Array) => { if (messages.length < MAX_EARLY_MESSAGES) messages.push([ch, data]); };
    channel.on('message', listener);
    this.early.set(channel, { messages, listener });
    return channel;
  }

  /** Stop keeping early messages; the ones kept, in order. */
  private takeEarly(channel: SecureChannel): Array<[number, Uint8Array]> {
    const e = this.early.get(channel);
    if (e === undefined) return [];
    channel.off('message', e.listener);
    this.early.delete(channel);
    return e.messages;
  }

  private createChannel(sock: Socket, role: 'initiator' | 'responder', expected?: ExpectedPeer): SecureChannel {
    const { identity } = this.opts;
    return new SecureChannel(sock, {
      role,
      staticKeyPair: identity.key.dh,
      clusterId: identity.clusterId,
      certificatePayload: identity.chain,
      authenticatePeer: this.opts.authenticatePeer,
      ...(expected ? { expected } : {}),
      clock: this.opts.clock,
      config: this.opts.linkConfig,
    });
  }

  private onInbound(sock: Socket): void {
    if (this.stopped || this.pending.size >= this.opts.maxPendingHandshakes) {
      this.counters.inboundRefusedBusy++;
      sock.destroy();
      return;
    }
    this.counters.inboundAccepted++;
    sock.setNoDelay(true);
    const address = sock.remoteAddress ?? '?';
    const port = sock.remotePort ?? 0;
    const via = viaOf(address);
    const channel = this.newChannel(sock, 'responder');
    this.pending.add(channel);
    channel.opened.then(
      (peer) => {
        this.pending.delete(channel);
        this.adopt(channel, peer as AuthenticatedPeer, via, address, port, false);
      },
      (err: SkeinError) => {
        this.pending.delete(channel);
        if (channel.closeReason?.cause !== 'auth-failed') this.counters.unauthenticatedDropped++;
        this.reportFailure(channel.closeReason, `[${address}]:${port}`, via, undefined, err);
      },
    );
  }

  private adopt(channel: SecureChannel, peer: AuthenticatedPeer, via: string, address: string, port: number, weDialed: boolean): Link | undefined {
    const early = this.takeEarly(channel);
    if (this.stopped) {
      channel.close('shutting down', LinkCloseCode.SHUTDOWN);
      return undefined;
    }
    if (peer.idText === this.opts.identity.key.idText) {
      channel.close('connected to ourselves', LinkCloseCode.NORMAL);
      return undefined;
    }
    const key = linkKey(peer.idText, via);
    const now = this.opts.clock.monotonic();
    const existing = this.links.get(key);
    if (existing) {
      const decision = resolveDuplicate(this.opts.identity.key.id, peer.id, { weDialed: existing.weDialed, openedAt: existing.openedAtMono }, { weDialed, openedAt: now });
      this.counters.duplicatesClosed++;
      if (decision === 'keep-existing') {
        channel.close('duplicate link', LinkCloseCode.DUPLICATE);
        return existing;
      }
      this.links.delete(key);
      existing.channel.close('duplicate link', LinkCloseCode.DUPLICATE);
    }
    const link: Link = { linkId: this.nextLinkId++, key, peer, via, remoteAddress: stripScope(address), remotePort: port, weDialed, openedAtMono: now, openedAt: this.opts.clock.now(), channel };
    this.links.set(key, link);
    this.firstSeen.delete(key);
    channel.on('message', (ch, data) => this.emit('message', link, ch, data));
    channel.on('rtt', (smoothed) => this.emit('rtt', link, smoothed));
    channel.on('close', (reason) => {
      if (this.links.get(key) === link) this.links.delete(key);
      this.opts.log.info({ peer: peer.name, id: peer.idText, via, cause: reason.cause, reason: reason.message }, 'link down');
      this.emit('linkDown', link, reason);
    });
    if (peer.standing.notAfterMs - this.opts.clock.now() < CERT_RECHECK_INTERVAL_MS) this.scheduleRecheck();
    this.opts.log.info({ peer: peer.name, id: peer.idText, via, address: link.remoteAddress, dialed: weDialed }, 'link up');
    this.emit('linkUp', link);
    for (const [ch, data] of early) if (this.links.get(key) === link) this.emit('message', link, ch, data);
    return link;
  }

  private reportFailure(reason: LinkCloseReason | null, where: string, via: string, expected: ExpectedPeer | undefined, err: SkeinError): void {
    const cause = reason?.cause;
    const code = reason?.error?.code ?? err.code;
    const message = reason?.message ?? err.message;
    if (cause === 'auth-failed') {
      this.counters.authFailures++;
      this.security({ type: 'auth-failed', address: where, via, ...(expected ? { expected } : {}), code, reason: message });
    } else if (cause === 'handshake-failed' || cause === 'protocol-error' || cause === 'handshake-timeout') {
      this.counters.handshakeFailures++;
      this.opts.log.info({ address: where, via, code, reason: message }, 'handshake failed');
    } else {
      this.opts.log.debug({ address: where, via, cause, reason: message }, 'connection ended before a link was up');
    }
  }

  private security(event: SecurityEvent): void {
    this.opts.log.warn({ event: 'security', ...event }, `security: ${event.reason}`);
    this.emit('security', event);
  }

  /** The next re-check: the periodic one, or sooner when a link's chain expires first. */
  private scheduleRecheck(): void {
    if (this.stopped) return;
    const now = this.opts.clock.now();
    let delay = CERT_RECHECK_INTERVAL_MS;
    for (const link of this.links.values()) {
      // A chain that has expired already is being closed by the re-check that just ran.
      const left = link.peer.standing.notAfterMs - now;
      if (left >= 0) delay = Math.min(delay, left + 1);
    }
    this.recheckTimer?.cancel();
    this.recheckTimer = this.opts.clock.setTimeout(() => this.recheckCertificates(), Math.max(0, delay));
  }
}

export function linkKey(idText: string, via: string): string {
  return `${idText}|${via}`;
}

/** `fe80::1%eth0` → `eth0`; anything else (IPv4, global IPv6) → `static`. */
export function viaOf(address: string): string {
  const m = /^fe80:[^%]*%(.+)$/i.exec(address);
  return m?.[1] ?? STATIC_VIA;
}

function stripScope(address: string): string {
  return address.replace(/^::ffff:/, '');
}

function describeLink(l: Link, s: LinkStats): NeighborInfo {
  return {
    name: l.peer.name,
    id: l.peer.idText,
    interface: l.via,
    address: l.remoteAddress,
    port: l.remotePort,
    dialed: l.weDialed,
    rttMs: s.rttMs === null ? null : Math.round(s.rttMs * 1000) / 1000,
    uptimeMs: Math.round(s.uptimeMs),
    bytesIn: s.bytesReceived,
    bytesOut: s.bytesSent,
    messagesIn: s.messagesReceived,
    messagesOut: s.messagesSent,
    dropped: s.dropped,
  };
}
