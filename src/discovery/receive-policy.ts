/**
 * What discovery does with one received datagram (pure: time is passed in).
 *
 * Stages, cheapest first, each drop counted by reason:
 *   source is fe80::…%if ─ interface in use ─ per-source rate ─ global rate
 *   ─ decode ─ not our own key ─ our cluster ─ fresh timestamp
 *   ─ signature ─ newer than the last accepted (key, interface, instance)
 *   → Sighting
 *
 * A Sighting is only a HINT to dial. The advertisement carries no
 * certificate; anyone can make a key and sign a valid one, and anyone on the
 * link can replay a captured one. What makes that harmless: the link
 * handshake dials the address the datagram came from and must prove the
 * advertised key there. If C replays B's advertisement, the dial goes to C,
 * and C cannot prove B's key, so no one ever holds a link it believes is B's.
 * The replay and freshness checks only stop pointless dials.
 *
 * Memory is bounded whatever arrives: at most maxSources rate buckets and
 * maxKeys replay entries, least recently used evicted first. Forgetting a
 * key's replay state can only let an old advertisement through as a hint.
 */
import { bytesEqual, toHex } from '../wire/codec.js';
import { decodeAdvertisement, verifyAdvertisement, type DecodedAdvertisement } from '../wire/advertisement.js';
import { nodeIdFromPublicKey, nodeIdToText } from '../identity/node-id.js';
import { DecodeError } from '../util/errors.js';
import { BoundedMap } from '../util/bounded-map.js';
import { TokenBucket } from '../util/token-bucket.js';
import type { DiscoveryConfig } from './config.js';
import { MAX_INSTANCES_PER_KEY } from './constants.js';

/** An accepted advertisement: a node claims to be reachable at `address` (a hint, see above). */
export interface Sighting {
  /** Node id (32 hex) derived from publicKey. */
  idText: string;
  name: string;
  publicKey: Uint8Array;
  /** Its TCP link port. */
  port: number;
  /** Interface it was heard on. */
  ifname: string;
  /** `fe80::…%ifname`, ready for net.connect. */
  address: string;
}

export interface ReceiveCounters {
  received: number;
  accepted: number;
  notLinkLocal: number;
  interfaceNotUsed: number;
  rateLimitedSource: number;
  rateLimitedGlobal: number;
  malformed: number;
  own: number;
  otherCluster: number;
  stale: number;
  badSignature: number;
  replay: number;
  sourcesEvicted: number;
  keysEvicted: number;
}

export type DropReason = Exclude<keyof ReceiveCounters, 'received' | 'accepted' | 'sourcesEvicted' | 'keysEvicted'>;

export type ReceiveResult =
  | { accepted: true; sighting: Sighting }
  | { accepted: false; reason: DropReason; detail: string };

export interface ReceivePolicyOptions {
  ownPublicKey: Uint8Array;
  clusterId: Uint8Array;
  config: Pick<DiscoveryConfig, 'freshnessWindowMs' | 'sourceRate' | 'globalRate' | 'maxSources' | 'maxKeys'>;
  /** Is discovery using this interface now? Datagrams from others are dropped. Default: all. */
  isInterfaceUsed?: (ifname: string) => boolean;
  /** Start time for the global bucket. */
  nowMs: number;
}

const LINK_LOCAL = /^fe[89ab][0-9a-f]:[0-9a-f:]*%([^%\s]{1,15})$/i;

export function newReceiveCounters(): ReceiveCounters {
  return {
    received: 0, accepted: 0, notLinkLocal: 0, interfaceNotUsed: 0, rateLimitedSource: 0, rateLimitedGlobal: 0,
    malformed: 0, own: 0, otherCluster: 0, stale: 0, badSignature: 0, replay: 0, sourcesEvicted: 0, keysEvicted: 0,
  };
}

/** Interface name of a scoped link-local address, or undefined if it is not one. */
export function linkLocalInterface(address: string): string | undefined {
  return LINK_LOCAL.exec(address)?.[1];
}

export class ReceivePolicy {
  private readonly count = newReceiveCounters();
  private readonly sources: BoundedMap<string, TokenBucket>;
  /** `${key hex}%${ifname}` → instance hex → last accepted counter. */
  private readonly replay: BoundedMap<string, BoundedMap<string, number>>;
  private readonly global: TokenBucket;
  private readonly isInterfaceUsed: (ifname: string) => boolean;

  constructor(private readonly opts: ReceivePolicyOptions) {
    this.sources = new BoundedMap(opts.config.maxSources, () => { this.count.sourcesEvicted++; });
    this.replay = new BoundedMap(opts.config.maxKeys, () => { this.count.keysEvicted++; });
    this.global = new TokenBucket(opts.config.globalRate, opts.nowMs);
    this.isInterfaceUsed = opts.isInterfaceUsed ?? (() => true);
  }

  counters(): ReceiveCounters {
    return { ...this.count };
  }

  receive(data: Uint8Array, fromAddress: string, nowMs: number): ReceiveResult {
    this.count.received++;
    const ifname = linkLocalInterface(fromAddress);
    if (ifname === undefined) return this.drop('notLinkLocal', `source ${fromAddress} is not a scoped link-local address`);
    if (!this.isInterfaceUsed(ifname)) return this.drop('interfaceNotUsed', `interface ${ifname} is not used by discovery`);
    if (!this.takeSourceToken(fromAddress, nowMs)) return this.drop('rateLimitedSource', `source ${fromAddress} over its rate`);
    if (!this.global.take(nowMs)) return this.drop('rateLimitedGlobal', 'all sources together over the global rate');

    let adv: DecodedAdvertisement;
    try {
      adv = decodeAdvertisement(data);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      return this.drop('malformed', err.message);
    }
    if (bytesEqual(adv.publicKey, this.opts.ownPublicKey)) return this.drop('own', 'our own advertisement');
    if (!bytesEqual(adv.clusterId, this.opts.clusterId)) return this.drop('otherCluster', `cluster ${toHex(adv.clusterId)}`);
    const skew = adv.timestampMs - nowMs;
    if (Math.abs(skew) > this.opts.config.freshnessWindowMs) return this.drop('stale', `timestamp ${skew} ms from our clock`);
    if (!verifyAdvertisement(adv)) return this.drop('badSignature', `bad signature for key ${toHex(adv.publicKey)}`);
    if (!this.acceptCounter(adv, ifname)) return this.drop('replay', `counter ${adv.counter} not newer`);

    this.count.accepted++;
    const sighting: Sighting = {
      idText: nodeIdToText(nodeIdFromPublicKey(adv.publicKey)),
      name: adv.name,
      publicKey: adv.publicKey,
      port: adv.port,
      ifname,
      address: fromAddress,
    };
    return { accepted: true, sighting };
  }

  private drop(reason: DropReason, detail: string): ReceiveResult {
    this.count[reason]++;
    return { accepted: false, reason, detail };
  }

  private takeSourceToken(source: string, nowMs: number): boolean {
    let bucket = this.sources.get(source);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.opts.config.sourceRate, nowMs);
      this.sources.set(source, bucket);
    }
    return bucket.take(nowMs);
  }

  /**
   * Accept when the counter is newer than the last one accepted for this
   * key, on this interface, in this boot (instance). Per interface, because
   * one datagram legitimately arrives on two of our interfaces that share a
   * segment, and each interface needs its own sighting.
   */
  private acceptCounter(adv: DecodedAdvertisement, ifname: string): boolean {
    const slot = `${toHex(adv.publicKey)}%${ifname}`;
    let instances = this.replay.get(slot);
    if (instances === undefined) {
      instances = new BoundedMap(MAX_INSTANCES_PER_KEY);
      this.replay.set(slot, instances);
    }
    const instance = toHex(adv.instance);
    const last = instances.get(instance);
    if (last !== undefined && adv.counter <= last) return false;
    instances.set(instance, adv.counter);
    return true;
  }
}
