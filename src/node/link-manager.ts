/**
 * The daemon's links: composes the link layer's parts (src/link/) into who
 * dials whom, one link per node pair per interface, the listener, and the
 * lifecycle of every SecureChannel.
 *
 *   sighting (discovery) ──► maybe dial fe80::…%if:port ──► SecureChannel (initiator, expected id+name)
 *   transport accept ───────────────────────────────────► SecureChannel (responder)
 *   both ──► opened ──► adopt (link table: duplicate tie-break) ──► 'linkUp' … 'linkDown'
 *
 * Streams come from a LinkTransport (link/transport.ts): TCP in a real
 * node, in-memory hosts in tests and whole daemons in virtual time.
 *
 * Strangers are cheap to ignore: sightings become dials only within the
 * dial policy's budgets (link/dial-policy.ts); the listener admits
 * connections per source and serves known addresses ahead of strangers
 * (link/accept-gate.ts), and a channel answers nothing to an initiation
 * without a valid mac1 (link/mac1.ts).
 *
 * A link is keyed by `peer id | via`, where via is the interface name for a
 * link-local link and `static` for links to configured peers beyond the
 * segment. Discovery only hints; the handshake proves (the channel checks the
 * certificate and the expected id and name from the advertisement).
 */
import { EventEmitter } from 'node:events';
import type { NativeLinks } from '../link/native-link.js';
import type { Duplex } from 'node:stream';
import type { TrustStore } from '../identity/index.js';
import { SecureChannel, type LinkCloseReason, type LinkConfig, type LinkStats } from '../link/index.js';
import { linkKey, LinkTable } from '../link/link-table.js';
import type { LinkTransport, RemoteEndpoint } from '../link/transport.js';
import { tcpTransport } from '../link/transport-tcp.js';
import { DialPolicy } from '../link/dial-policy.js';
import type { LinkCounters } from '../link/counters.js';
import { AcceptGate, acceptGateConfig, DEFAULT_ACCEPTS_PER_SOURCE_PER_SECOND, DEFAULT_MAX_PENDING_PER_SOURCE, DEFAULT_UNKEYED_PER_SECOND, type AcceptGateConfig, type AcceptTicket } from '../link/accept-gate.js';
import { PeerMemory } from '../link/peer-memory.js';
import { isWildcardAddress, ListenerSet } from '../link/listeners.js';
import { x25519PublicFromEd25519 } from '../crypto/primitives.js';
import type { NoiseCurve } from '../crypto/noise-state.js';
import { DEFAULT_DIALS_PER_INTERFACE_PER_SECOND, DEFAULT_DIALS_PER_SECOND, dialBudgetConfig, type DialBudgetConfig } from '../link/dial-budget.js';
import type { AuthenticatePeer, ExpectedPeer } from '../link/types.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import type { Random } from '../util/random.js';
import { LinkCloseCode } from '../wire/link-constants.js';
import type { Member } from '../identity/member.js';
import type { NodeIdentity } from './identity.js';
import type { NeighborInfo } from '../control/protocol.js';

/** The via of links to configured peers (not on a shared segment). */
export const STATIC_VIA = 'static';
/**
 * Every link's chain is re-checked at least this often, besides at once on
 * any change of trust and when the first certificate of a chain expires.
 */
export const CERT_RECHECK_INTERVAL_MS = 10_000;

export interface Link {
  readonly linkId: number;
  readonly key: string;
  readonly peer: Member;
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

/** What one channel number's messages go to: the link they came on and the message (a view into the read chunk). */
export type ChannelHandler = (link: Link, data: Uint8Array) => void;

export interface LinkManagerEvents {
  linkUp: [Link];
  linkDown: [Link, LinkCloseReason];
  rtt: [Link, number];
  security: [SecurityEvent];
}

export interface LinkManagerOptions {
  identity: NodeIdentity;
  /** The node's trust store: each link's chain is re-checked against it. */
  trust: TrustStore;
  authenticatePeer: AuthenticatePeer;
  /** An address to listen on besides the interfaces' (a wildcard such as `::` covers every address). */
  listenAddress: string | undefined;
  listenPort: number;
  /**
   * Listen on each discovery interface's link-local address (listenOn).
   * Without it and without listenAddress, every address (`::`) is used:
   * only configured peers reach such a node.
   */
  listenOnInterfaces: boolean;
  linkConfig: Partial<LinkConfig>;
  maxPendingHandshakes: number;
  /** The higher id waits this long for the lower id to dial before dialing itself. */
  dialGraceMs: number;
  /** Dials that sightings may cause, per interface and in total (nodes linked recently are exempt). Default: the documented defaults. */
  dialBudget?: DialBudgetConfig;
  /** The listener's limits; default: maxPendingHandshakes and the documented per-source defaults. */
  acceptLimits?: AcceptGateConfig;
  /** Where links listen and what they dial (default: TCP). */
  transport?: LinkTransport;
  /** Where open links over sockets hand their per-packet work (default: none: the TypeScript path). */
  nativeLinks?: NativeLinks;
  /** Diffie-Hellman functions for the handshakes (default X25519); tests inject a counting double. */
  curve?: NoiseCurve;
  clock: Clock;
  random: Random;
  log: Logger;
}


export interface DialTarget {
  host: string;
  port: number;
  via: string;
  expected?: ExpectedPeer;
  /** The node's Ed25519 key, when known (from its advertisement): the initiation then carries mac1. */
  publicKey?: Uint8Array;
}

/** Why a dial did not become a link (for the static-peer dialer's status). */
export interface DialFailure {
  code: string;
  message: string;
}

export class LinkManager extends EventEmitter<LinkManagerEvents> {
  readonly name = 'links';
  private readonly sockets: ListenerSet;
  private boundPort = 0;
  private nextLinkId = 1;
  private readonly links: LinkTable<Link>;
  private readonly transport: LinkTransport;
  /** One handler per channel number; a message on a channel nobody handles is dropped. */
  private readonly channelHandlers = new Map<number, ChannelHandler>();
  private readonly dialing = new Map<string, SecureChannel>();
  private readonly dialPolicy: DialPolicy;
  private readonly pending = new Set<SecureChannel>();
  private readonly gate: AcceptGate<SecureChannel>;
  private readonly memory = new PeerMemory();
  private recheckTimer: TimerHandle | undefined;
  private stopped = false;
  private readonly ownCounters = {
    inboundRefusedInitiation: 0, inboundAccepted: 0, inboundRefusedBusy: 0, dialsStarted: 0, dialsFailed: 0, handshakeFailures: 0, authFailures: 0, unauthenticatedDropped: 0, duplicatesClosed: 0,
  };

  constructor(private readonly opts: LinkManagerOptions) {
    super();
    this.transport = opts.transport ?? tcpTransport;
    this.links = new LinkTable<Link>(opts.identity.key.id);
    this.sockets = new ListenerSet(this.transport, (stream, remote) => this.onInbound(stream, remote), opts.clock, opts.log);
    const limits = opts.acceptLimits ?? acceptGateConfig(opts.maxPendingHandshakes, DEFAULT_MAX_PENDING_PER_SOURCE, DEFAULT_ACCEPTS_PER_SOURCE_PER_SECOND, DEFAULT_UNKEYED_PER_SECOND);
    this.gate = new AcceptGate<SecureChannel>(limits, (ch) => ch.initiated, opts.clock.monotonic());
    this.dialPolicy = new DialPolicy({
      localId: opts.identity.key.id, dialGraceMs: opts.dialGraceMs, budget: opts.dialBudget ?? dialBudgetConfig(DEFAULT_DIALS_PER_INTERFACE_PER_SECOND, DEFAULT_DIALS_PER_SECOND), clock: opts.clock, random: opts.random,
    });
  }

  get counters(): Readonly<LinkCounters> {
    return { ...this.ownCounters, ...this.dialPolicy.counters, ...this.gate.counters };
  }

  /** Sizes of the tables strangers can make grow (each bounded and aged out), for status. */
  tableSizes(): Record<string, number> {
    return { ...this.dialPolicy.sizes(), ...this.memory.sizes(), dialing: this.dialing.size, pending: this.pending.size, acceptSources: this.gate.trackedSources };
  }

  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<void> {
    const { listenAddress, listenPort, listenOnInterfaces } = this.opts;
    if (listenAddress !== undefined) {
      this.boundPort = await this.sockets.listen(listenAddress, listenPort, 'listen.address');
    } else if (!listenOnInterfaces) {
      this.boundPort = await this.sockets.listen('::', listenPort, 'listen.port');
    } else if (listenPort === 0) {
      // The interfaces' listeners come later; a port must be picked now (it is advertised): on the loopback address.
      this.boundPort = await this.sockets.listen('::1', 0, 'listen.port');
    } else {
      this.boundPort = listenPort;
    }
    this.scheduleRecheck();
    this.opts.log.info({ port: this.boundPort, addresses: this.sockets.addresses() }, 'listening for links');
  }

  /** Listen on an interface's link-local address (discovery started using it); not when a wildcard covers it. */
  listenOn(iface: { name: string; linkLocal: string }): void {
    if (this.stopped || !this.opts.listenOnInterfaces) return;
    if (this.opts.listenAddress !== undefined && isWildcardAddress(this.opts.listenAddress)) return;
    this.sockets.keep(`${iface.linkLocal}%${iface.name}`, this.boundPort);
  }

  /** Stop listening on an interface that went away. */
  stopListeningOn(iface: { name: string; linkLocal: string }): void {
    this.sockets.drop(`${iface.linkLocal}%${iface.name}`);
  }

  /** Addresses the listener is bound to now. */
  listenAddresses(): string[] {
    return this.sockets.addresses();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.recheckTimer?.cancel();
    for (const ch of [...this.dialing.values(), ...this.pending]) ch.close('shutting down', LinkCloseCode.SHUTDOWN);
    for (const link of this.links.values()) link.channel.close('shutting down', LinkCloseCode.SHUTDOWN);
    await this.sockets.closeAll();
  }

  /** A discovery sighting: dial if we have no link to that node on that interface and it is our turn. */
  considerDial(target: DialTarget & { idText: string; id: Uint8Array }): void {
    if (this.stopped || target.idText === this.opts.identity.key.idText) return;
    const key = linkKey(target.idText, target.via);
    if (this.links.has(key) || this.dialing.has(key)) return;
    const decision = this.dialPolicy.decide({ key, idText: target.idText, id: target.id, via: target.via }, this.dialing.size);
    if (decision === 'dial') this.dial(key, target);
    else if (decision.startsWith('rate') || decision === 'in-flight-limit') this.opts.log.debug({ via: target.via, id: target.idText, decision }, 'sighting not dialed');
  }

  /**
   * Dial a target; resolves when the attempt ends (link up or failed).
   * Used for sightings and, by the static-peer dialer, for configured peers
   * (which passes `onFailure` to learn why an attempt failed).
   */
  dial(key: string | undefined, target: DialTarget, onFailure?: (failure: DialFailure) => void): Promise<Link | undefined> {
    this.ownCounters.dialsStarted++;
    const stream = this.transport.dial(target.host, target.port);
    const remembered = this.memory.keyFor(target.host, target.port, this.opts.clock.monotonic());
    const responderStaticKey = responderKeyOf(target.publicKey) ?? remembered;
    const channel = this.createChannel(stream, { role: 'initiator', ...(target.expected && { expected: target.expected }), ...(responderStaticKey && { responderStaticKey }) });
    if (key !== undefined) this.dialing.set(key, channel);
    else this.pending.add(channel);
    const where = `[${target.host}]:${target.port}`;
    return channel.opened.then(
      (peer) => {
        if (key !== undefined) this.dialing.delete(key);
        else this.pending.delete(channel);
        const link = this.adopt(channel, peer, target.via, target.host, target.port, true);
        const staticKey = responderKeyOf(peer.publicKey);
        if (link && staticKey) this.memory.remember(target.host, this.opts.clock.monotonic(), { host: target.host, port: target.port, staticKey });
        return link;
      },
      (err: SkeinError) => {
        if (key !== undefined) {
          this.dialing.delete(key);
          this.dialPolicy.failed(key);
        } else this.pending.delete(channel);
        if (remembered !== undefined && target.publicKey === undefined) this.memory.forgetKey(target.host, target.port);
        this.ownCounters.dialsFailed++;
        this.reportFailure(channel.closeReason, where, target.via, target.expected, err);
        onFailure?.({ code: channel.closeReason?.error?.code ?? err.code, message: channel.closeReason?.message ?? err.message });
        return undefined;
      },
    );
  }

  /** Close every link on an interface that went away. */
  closeInterface(ifname: string): void {
    for (const link of this.links.values()) {
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
    for (const link of this.links.values()) {
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

  /** Deliver every message on `channel`, from any link, to `handler` (one handler per channel). */
  handle(channel: number, handler: ChannelHandler): void {
    if (this.channelHandlers.has(channel)) throw new Error(`link channel ${channel} already has a handler`);
    this.channelHandlers.set(channel, handler);
  }

  private dispatch(link: Link, channel: number, data: Uint8Array): void {
    this.channelHandlers.get(channel)?.(link, data);
  }

  allLinks(): Link[] {
    return this.links.values();
  }

  hasLinkTo(idText: string, via: string): boolean {
    return this.links.has(linkKey(idText, via));
  }

  neighbors(): NeighborInfo[] {
    return this.allLinks()
      .map((l) => describeLink(l, l.channel.stats()))
      .sort((a, b) => a.name.localeCompare(b.name) || a.interface.localeCompare(b.interface));
  }

  private createChannel(stream: Duplex, roleOptions: RoleOptions): SecureChannel {
    const { identity } = this.opts;
    return new SecureChannel(stream, {
      ...roleOptions,
      ...(this.opts.curve && { curve: this.opts.curve }),
      staticKeyPair: identity.key.dh,
      clusterId: identity.clusterId,
      certificatePayload: identity.chain,
      authenticatePeer: this.opts.authenticatePeer,
      clock: this.opts.clock,
      config: this.opts.linkConfig,
      ...(this.opts.nativeLinks && { nativeLinks: this.opts.nativeLinks }),
    });
  }

  private onInbound(stream: Duplex, remote: RemoteEndpoint): void {
    const { address, port } = remote;
    const now = this.opts.clock.monotonic();
    const admitted = this.stopped ? undefined : this.gate.admit(address, this.memory.isKnownAddress(address, now), now);
    if (admitted === undefined || !admitted.admitted) {
      if (admitted === undefined || admitted.reason === 'busy') this.ownCounters.inboundRefusedBusy++;
      stream.destroy();
      return;
    }
    const { ticket, evicted } = admitted;
    if (evicted?.value !== undefined) evicted.value.close('making room for another handshake', LinkCloseCode.NORMAL);
    this.ownCounters.inboundAccepted++;
    const via = viaOf(address);
    const channel = this.createChannel(stream, { role: 'responder', admitUnkeyed: () => this.gate.admitUnkeyed(ticket, this.opts.clock.monotonic()) });
    ticket.value = channel;
    this.pending.add(channel);
    channel.opened.then(
      (peer) => {
        this.release(channel, ticket);
        this.adopt(channel, peer, via, address, port, false);
      },
      (err: SkeinError) => {
        this.release(channel, ticket);
        const cause = channel.closeReason?.cause;
        if (cause === 'refused') this.ownCounters.inboundRefusedInitiation++;
        if (cause !== 'auth-failed') this.ownCounters.unauthenticatedDropped++;
        this.reportFailure(channel.closeReason, `[${address}]:${port}`, via, undefined, err);
      },
    );
  }

  private release(channel: SecureChannel, ticket: AcceptTicket<SecureChannel>): void {
    this.pending.delete(channel);
    this.gate.release(ticket);
  }

  /**
   * A channel that opened becomes a link (or loses the tie-break). Its
   * first payloads may have arrived with the opening frame: the channel
   * holds them until adopt() attaches the receiver, after 'linkUp', so the
   * routing layer already knows the neighbour when they are dispatched.
   */
  private adopt(channel: SecureChannel, peer: Member, via: string, address: string, port: number, weDialed: boolean): Link | undefined {
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
    const candidate: Link = { linkId: this.nextLinkId, key, peer, via, remoteAddress: stripScope(address), remotePort: port, weDialed, openedAtMono: now, openedAt: this.opts.clock.now(), channel };
    const adoption = this.links.adopt(candidate, peer.id);
    if (adoption.kept === 'existing') {
      this.ownCounters.duplicatesClosed++;
      channel.close('duplicate link', LinkCloseCode.DUPLICATE);
      return adoption.existing;
    }
    this.nextLinkId++;
    const link = candidate;
    if (adoption.displaced !== undefined) {
      this.ownCounters.duplicatesClosed++;
      adoption.displaced.channel.close('duplicate link', LinkCloseCode.DUPLICATE);
    }
    this.dialPolicy.linked(key, peer.idText);
    this.memory.remember(address, now);
    channel.on('rtt', (smoothed) => this.emit('rtt', link, smoothed));
    channel.on('close', (reason) => {
      this.links.remove(link);
      this.dialPolicy.unlinked(peer.idText);
      this.memory.remember(address, this.opts.clock.monotonic());
      this.opts.log.info({ peer: peer.name, id: peer.idText, via, cause: reason.cause, reason: reason.message }, 'link down');
      this.emit('linkDown', link, reason);
    });
    if (peer.standing.notAfterMs - this.opts.clock.now() < CERT_RECHECK_INTERVAL_MS) this.scheduleRecheck();
    this.opts.log.info({ peer: peer.name, id: peer.idText, via, address: link.remoteAddress, dialed: weDialed }, 'link up');
    this.emit('linkUp', link);
    if (this.links.holds(link)) channel.receive((ch, data) => this.dispatch(link, ch, data));
    return link;
  }

  private reportFailure(reason: LinkCloseReason | null, where: string, via: string, expected: ExpectedPeer | undefined, err: SkeinError): void {
    const cause = reason?.cause;
    const code = reason?.error?.code ?? err.code;
    const message = reason?.message ?? err.message;
    if (cause === 'auth-failed') {
      this.ownCounters.authFailures++;
      this.security({ type: 'auth-failed', address: where, via, ...(expected ? { expected } : {}), code, reason: message });
    } else if (cause === 'handshake-failed' || cause === 'protocol-error' || cause === 'handshake-timeout') {
      this.ownCounters.handshakeFailures++;
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

type RoleOptions =
  | { role: 'initiator'; expected?: ExpectedPeer; responderStaticKey?: Uint8Array }
  | { role: 'responder'; admitUnkeyed: () => boolean };

/** The X25519 form of a node's Ed25519 key; undefined when absent or not a valid point (the dial is then unkeyed). */
function responderKeyOf(publicKey: Uint8Array | undefined): Uint8Array | undefined {
  if (publicKey === undefined) return undefined;
  try {
    return x25519PublicFromEd25519(publicKey);
  } catch {
    return undefined;
  }
}

/** `fe80::1%eth0` → `eth0`; anything else (IPv4, global IPv6) → `static`. */
export function viaOf(address: string): string {
  const m = /^fe80:[^%]*%(.+)$/i.exec(address);
  return m?.[1] ?? STATIC_VIA;
}

/**
 * What `skein neighbors` and the metrics call a link's interface. A link
 * beyond the segment keeps the via `static` (so our dial and the peer's dial
 * to us are one link key and the tie-break sees them as duplicates), but one
 * the peer dialed is shown as `inbound`: it is not one of our configured peers.
 */
export const INBOUND_INTERFACE = 'inbound';

function displayedInterface(l: Link): string {
  return l.via === STATIC_VIA && !l.weDialed ? INBOUND_INTERFACE : l.via;
}

function stripScope(address: string): string {
  return address.replace(/^::ffff:/, '');
}

function describeLink(l: Link, s: LinkStats): NeighborInfo {
  return {
    name: l.peer.name,
    id: l.peer.idText,
    interface: displayedInterface(l),
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
