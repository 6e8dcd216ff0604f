/**
 * The native endpoint (native/endpoint.c): this node's own session packets
 * between its TUN device and its native links, in C, by the state the
 * session manager installs (node/session-offload.ts puts this behind the
 * manager's offload port).
 *
 *   keypairs  both keys, the send counter and the replay window of every
 *             session keypair live in the addon; JavaScript seals and opens
 *             through them (seal, open), so both paths share one counter
 *             and one window
 *   peers     node id, overlay address, which keypair is current, and the
 *             peer's activity record (a Float64Array shared with the
 *             session timers)
 *
 * With a TUN device attached (setTun and the reader's filter) and no
 * firewall rules (setOpen), a TUN packet for a peer whose current keys can
 * seal goes out sealed with no JavaScript, and an IP payload under a peer's
 * current keys goes into TUN the same way. Everything else goes up and runs
 * as before.
 */
import type { NativeLinks } from './native-link.js';

type Host = object;

/** The session wire constants the addon was compiled with (held against the TypeScript ones by a test). */
export interface NativeEndpointLayout {
  dataReceiverIndexOffset: number;
  dataCounterOffset: number;
  dataCiphertextOffset: number;
  packetInvariantBytes: number;
  payloadKindIp: number;
  sendHeadroom: number;
  sendTailroom: number;
  replayWindow: number;
  maxSlots: number;
  counters: number;
}

interface EndpointAddon {
  endpointSetup(host: Host, ownAddress: Uint8Array, settings: Float64Array): void;
  endpointOpen(host: Host, inbound: boolean, outbound: boolean): void;
  endpointTun(host: Host, fd: number): void;
  tunFilter(host: Host): object;
  peerAdd(host: Host, id: Uint8Array, address: Uint8Array, activity: Float64Array): number;
  peerRemove(host: Host, peer: number): void;
  peerCurrent(host: Host, peer: number, keypair: number): void;
  keypairAdd(host: Host, peer: number, localIndex: number, remoteIndex: number, sendKey: Uint8Array, receiveKey: Uint8Array, initiator: boolean, createdMs: number, messageLimit: number): number;
  keypairRemove(host: Host, keypair: number): void;
  keypairSeal(host: Host, keypair: number, packet: Uint8Array): number;
  keypairOpen(host: Host, keypair: number, packet: Uint8Array, counter: number): number;
  keypairFresh(host: Host, keypair: number, counter: number): boolean;
  keypairSent(host: Host, keypair: number): number;
  endpointCounters(host: Host, out: Float64Array): void;
  endpointLayout(): NativeEndpointLayout;
}

export interface NativeEndpointSettings {
  /** This node's overlay address (16 bytes). */
  ownAddress: Uint8Array;
  /** performance.now() now: the addon's clock is set to it. */
  nowMs: number;
  rejectAfterMs: number;
  rekeyAfterMs: number;
  rekeyAfterMessages: number;
  keepaliveMs: number;
  handshakeRetryMs: number;
  /** Larger TUN packets go up (and get a Packet Too Big there). */
  maxIpPacketBytes: number;
  hopLimit: number;
}

/** What the endpoint's fast paths carried, each counted where the TypeScript path counts it. */
export interface NativeEndpointCounters {
  /** DATA packets sealed from TUN reads. */
  sent: number;
  /** IP payloads opened for TUN. */
  delivered: number;
  /** Of those, passed the address checks and written (or offered) to TUN. */
  inDelivered: number;
  inWrongDestination: number;
  inSpoofed: number;
  tunPacketsRead: number;
  tunBytesRead: number;
  tunPacketsWritten: number;
  tunWriteDropped: number;
}

const COUNTER_NAMES: ReadonlyArray<keyof NativeEndpointCounters> = [
  'sent', 'delivered', 'inDelivered', 'inWrongDestination', 'inSpoofed', 'tunPacketsRead', 'tunBytesRead', 'tunPacketsWritten', 'tunWriteDropped',
];

/** keypairOpen's answers, in order. */
const OPEN_OUTCOMES = ['ok', 'auth-failed', 'replay'] as const;
export type NativeOpenOutcome = (typeof OPEN_OUTCOMES)[number];

export class NativeEndpoint {
  private readonly addon: EndpointAddon;
  private readonly countersOut: Float64Array;
  private last: NativeEndpointCounters;

  private constructor(private readonly links: NativeLinks, settings: NativeEndpointSettings) {
    this.addon = links.addon as unknown as EndpointAddon;
    const s = settings;
    this.addon.endpointSetup(links.handle, s.ownAddress, Float64Array.of(
      s.nowMs, s.rejectAfterMs, s.rekeyAfterMs, s.rekeyAfterMessages, s.keepaliveMs, s.handshakeRetryMs, s.maxIpPacketBytes, s.hopLimit,
    ));
    this.countersOut = new Float64Array(this.addon.endpointLayout().counters);
    this.last = Object.fromEntries(COUNTER_NAMES.map((n) => [n, 0])) as unknown as NativeEndpointCounters;
  }

  /** The endpoint of these native links, or why there is none (an addon built without it). */
  static setUp(links: NativeLinks, settings: NativeEndpointSettings): NativeEndpoint | string {
    if (typeof (links.addon as unknown as Partial<EndpointAddon>).endpointSetup !== 'function') return 'the link addon has no endpoint (rebuild it: npm run build:native)';
    return new NativeEndpoint(links, settings);
  }

  /** After the links are released every call is a no-op, every seal is refused and every open fails. */
  private get gone(): boolean {
    return this.links.isReleased;
  }

  layout(): NativeEndpointLayout {
    return this.addon.endpointLayout();
  }

  /** May packets skip the firewall, inbound and outbound (true only while it has no rules)? */
  setOpen(inbound: boolean, outbound: boolean): void {
    if (!this.gone) this.addon.endpointOpen(this.links.handle, inbound, outbound);
  }

  /** The TUN fd delivered packets are written to; -1 for none (before the device closes). */
  setTun(fd: number): void {
    if (!this.gone) this.addon.endpointTun(this.links.handle, fd);
  }

  /** The filter a TUN reader offers each read packet to (dataplane/tun-device.ts NativeTunFilter). */
  tunFilter(): object {
    return this.addon.tunFilter(this.links.handle);
  }

  /** A peer's entry; throws (SKEIN_LINK_ARGS) when its address is taken or the table is full. */
  addPeer(id: Uint8Array, address: Uint8Array, activity: Float64Array): number {
    return this.addon.peerAdd(this.links.handle, id, address, activity);
  }

  removePeer(peer: number): void {
    if (!this.gone) this.addon.peerRemove(this.links.handle, peer);
  }

  setCurrent(peer: number, keypair: number): void {
    if (!this.gone) this.addon.peerCurrent(this.links.handle, peer, keypair);
  }

  addKeypair(peer: number, k: { localIndex: number; remoteIndex: number; sendKey: Uint8Array; receiveKey: Uint8Array; initiator: boolean; createdAtMs: number; messageLimit: number }): number {
    return this.addon.keypairAdd(this.links.handle, peer, k.localIndex, k.remoteIndex, k.sendKey, k.receiveKey, k.initiator, k.createdAtMs, k.messageLimit);
  }

  removeKeypair(keypair: number): void {
    if (!this.gone) this.addon.keypairRemove(this.links.handle, keypair);
  }

  /** Seal in place (native/endpoint.c seal_data); the counter, or -1. */
  seal(keypair: number, packet: Uint8Array): number {
    return this.gone ? -1 : this.addon.keypairSeal(this.links.handle, keypair, packet);
  }

  open(keypair: number, packet: Uint8Array, counter: number): NativeOpenOutcome {
    return this.gone ? 'auth-failed' : OPEN_OUTCOMES[this.addon.keypairOpen(this.links.handle, keypair, packet, counter)] ?? 'auth-failed';
  }

  fresh(keypair: number, counter: number): boolean {
    return !this.gone && this.addon.keypairFresh(this.links.handle, keypair, counter);
  }

  /** Packets sealed so far; -1 when the keypair is gone. */
  sent(keypair: number): number {
    return this.gone ? -1 : this.addon.keypairSent(this.links.handle, keypair);
  }

  /** The fast paths' counters (the last ones read, once the links are released). */
  counters(): NativeEndpointCounters {
    if (this.gone) return this.last;
    this.addon.endpointCounters(this.links.handle, this.countersOut);
    const out = {} as NativeEndpointCounters;
    COUNTER_NAMES.forEach((name, i) => { out[name] = this.countersOut[i]!; });
    this.last = out;
    return out;
  }
}
