/**
 * What discovery does with one received datagram (pure: time is passed in).
 *
 * Stages, cheapest first, each drop counted by reason; nothing that costs a
 * signature check is spent before every check that costs nothing:
 *   source is fe80::…%if ─ interface in use ─ per-source rate
 *   ─ decode ─ not our own key ─ our cluster ─ fresh timestamp
 *   ─ newer than the last accepted (key, interface, instance), read-only
 *   ─ lane: a key verified from this very source lately is KNOWN and takes
 *     a token of the known budget; any other is a STRANGER and takes a token
 *     of its source's stranger budget, then of the shared stranger budget
 *   ─ signature ─ counter recorded → Sighting
 *
 * Why lanes: junk costs at most one signature check per token, and junk
 * from rotating spoofed sources only ever spends strangers' tokens, so
 * nodes we already hear (linked or recently verified) are never starved.
 * Among strangers, each source's budget (strangerSourceRate) is a fair
 * share: an attacker with K source addresses gets at most K times it, so
 * until K times the share fills the shared budget, a genuine newcomer's
 * advertisements are checked as they arrive.
 *
 * A Sighting is only a HINT to dial. The advertisement carries no
 * certificate; anyone can make a key and sign a valid one, and anyone on the
 * link can replay a captured one. What makes that harmless: the link
 * handshake dials the address the datagram came from and must prove the
 * advertised key there. If C replays B's advertisement, the dial goes to C,
 * and C cannot prove B's key, so no one ever holds a link it believes is B's.
 * The replay and freshness checks only stop pointless dials.
 *
 * Memory is bounded whatever arrives: at most maxSources rate buckets,
 * maxKeys replay entries and maxKeys known (key, source) pairs (aged out
 * after KNOWN_ADVERTISER_MEMORY_MS), least recently used evicted first.
 * Forgetting a key's replay state can only let an old advertisement through
 * as a hint; forgetting a known pair only moves it to the strangers' lane.
 *
 * Rate buckets run on the monotonic time passed in; freshness compares the
 * advertisement's timestamp with wall-clock time.
 */
import { bytesEqual, toHex } from '../codec/codec.js';
import { decodeAdvertisement, verifyAdvertisement, type DecodedAdvertisement } from '../wire/advertisement.js';
import { nodeIdFromPublicKey, nodeIdToText } from '../identity/node-id.js';
import { DecodeError } from '../util/errors.js';
import { BoundedMap } from '../util/bounded-map.js';
import { AgingMap } from '../util/aging-map.js';
import { TokenBucket } from '../util/token-bucket.js';
import type { DiscoveryConfig } from './config.js';
import { KNOWN_ADVERTISER_MEMORY_MS, MAX_INSTANCES_PER_KEY } from './constants.js';

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
  /** A stranger's source over its share of signature checks. */
  rateLimitedStrangerSource: number;
  /** All strangers together over the shared signature budget. */
  rateLimitedGlobal: number;
  /** Known advertisers together over their budget. */
  rateLimitedKnown: number;
  malformed: number;
  own: number;
  otherCluster: number;
  stale: number;
  badSignature: number;
  replay: number;
  sourcesEvicted: number;
  keysEvicted: number;
  /** Advertisements served on the known lane (a subset of those checked). */
  knownServed: number;
}

export type DropReason = Exclude<keyof ReceiveCounters, 'received' | 'accepted' | 'sourcesEvicted' | 'keysEvicted' | 'knownServed'>;

export type ReceiveResult =
  | { accepted: true; sighting: Sighting }
  | { accepted: false; reason: DropReason; detail: string };

export interface ReceivePolicyOptions {
  ownPublicKey: Uint8Array;
  clusterId: Uint8Array;
  config: Pick<DiscoveryConfig, 'freshnessWindowMs' | 'sourceRate' | 'strangerSourceRate' | 'globalRate' | 'knownRate' | 'maxSources' | 'maxKeys'>;
  /** Is discovery using this interface now? Datagrams from others are dropped. Default: all. */
  isInterfaceUsed?: (ifname: string) => boolean;
  /** Start time (monotonic ms) for the shared buckets. */
  nowMs: number;
}

const LINK_LOCAL = /^fe[89ab][0-9a-f]:[0-9a-f:]*%([^%\s]{1,15})$/i;

export function newReceiveCounters(): ReceiveCounters {
  return {
    received: 0, accepted: 0, notLinkLocal: 0, interfaceNotUsed: 0, rateLimitedSource: 0, rateLimitedStrangerSource: 0, rateLimitedGlobal: 0,
    rateLimitedKnown: 0, malformed: 0, own: 0, otherCluster: 0, stale: 0, badSignature: 0, replay: 0, sourcesEvicted: 0, keysEvicted: 0, knownServed: 0,
  };
}

/** Interface name of a scoped link-local address, or undefined if it is not one. */
export function linkLocalInterface(address: string): string | undefined {
  return LINK_LOCAL.exec(address)?.[1];
}

export class ReceivePolicy {
  private readonly count = newReceiveCounters();
  /** Per source address: every datagram, and signature checks while it is a stranger. */
  private readonly sources: BoundedMap<string, { datagrams: TokenBucket; strangerChecks: TokenBucket }>;
  /** `${key hex}%${source}` pairs whose advertisement verified lately: the known lane. */
  private readonly known: AgingMap<string, true>;
  private readonly knownBudget: TokenBucket;
  /** `${key hex}%${ifname}` → instance hex → last accepted counter. */
  private readonly replay: BoundedMap<string, BoundedMap<string, number>>;
  private readonly global: TokenBucket;
  private readonly isInterfaceUsed: (ifname: string) => boolean;

  constructor(private readonly opts: ReceivePolicyOptions) {
    this.sources = new BoundedMap(opts.config.maxSources, () => { this.count.sourcesEvicted++; });
    this.replay = new BoundedMap(opts.config.maxKeys, () => { this.count.keysEvicted++; });
    this.global = new TokenBucket(opts.config.globalRate, opts.nowMs);
    this.known = new AgingMap(opts.config.maxKeys, KNOWN_ADVERTISER_MEMORY_MS);
    this.knownBudget = new TokenBucket(opts.config.knownRate, opts.nowMs);
    this.isInterfaceUsed = opts.isInterfaceUsed ?? (() => true);
  }

  counters(): ReceiveCounters {
    return { ...this.count };
  }

  /** One datagram: `nowMs` wall-clock ms (freshness), `monoMs` monotonic ms (budgets). */
  receive(data: Uint8Array, fromAddress: string, nowMs: number, monoMs: number = nowMs): ReceiveResult {
    this.count.received++;
    const ifname = linkLocalInterface(fromAddress);
    if (ifname === undefined) return this.drop('notLinkLocal', `source ${fromAddress} is not a scoped link-local address`);
    if (!this.isInterfaceUsed(ifname)) return this.drop('interfaceNotUsed', `interface ${ifname} is not used by discovery`);
    const source = this.sourceFor(fromAddress, monoMs);
    if (!source.datagrams.take(monoMs)) return this.drop('rateLimitedSource', `source ${fromAddress} over its rate`);

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
    const keyHex = toHex(adv.publicKey);
    if (!this.isNewer(adv, keyHex, ifname)) return this.drop('replay', `counter ${adv.counter} not newer`);

    const pair = `${keyHex}%${fromAddress}`;
    const lane = this.takeCheck(pair, source.strangerChecks, monoMs);
    if (lane !== 'ok') return this.drop(lane, lane === 'rateLimitedKnown' ? 'known advertisers over their budget' : `stranger ${fromAddress} over its budget`);
    if (!verifyAdvertisement(adv)) return this.drop('badSignature', `bad signature for key ${keyHex}`);
    this.recordCounter(adv, keyHex, ifname);
    this.known.set(pair, true, monoMs);

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

  private sourceFor(source: string, monoMs: number): { datagrams: TokenBucket; strangerChecks: TokenBucket } {
    let entry = this.sources.get(source);
    if (entry === undefined) {
      entry = { datagrams: new TokenBucket(this.opts.config.sourceRate, monoMs), strangerChecks: new TokenBucket(this.opts.config.strangerSourceRate, monoMs) };
      this.sources.set(source, entry);
    }
    return entry;
  }

  /** The token for one signature check, from the pair's lane. */
  private takeCheck(pair: string, strangerChecks: TokenBucket, monoMs: number): 'ok' | 'rateLimitedKnown' | 'rateLimitedStrangerSource' | 'rateLimitedGlobal' {
    if (this.known.has(pair, monoMs)) {
      if (!this.knownBudget.take(monoMs)) return 'rateLimitedKnown';
      this.count.knownServed++;
      return 'ok';
    }
    // The source's share is checked first but spent only with a shared token, so a refusal by the shared budget costs the source nothing.
    if (strangerChecks.msUntilToken(monoMs) > 0) return 'rateLimitedStrangerSource';
    if (!this.global.take(monoMs)) return 'rateLimitedGlobal';
    strangerChecks.take(monoMs);
    return 'ok';
  }

  /**
   * Newer than the last counter accepted for this key, on this interface, in
   * this boot (instance)? Per interface, because one datagram legitimately
   * arrives on two of our interfaces that share a segment, and each
   * interface needs its own sighting. Read-only: checked before the
   * signature, recorded only after it.
   */
  private isNewer(adv: DecodedAdvertisement, keyHex: string, ifname: string): boolean {
    const last = this.replay.get(`${keyHex}%${ifname}`)?.get(toHex(adv.instance));
    return last === undefined || adv.counter > last;
  }

  private recordCounter(adv: DecodedAdvertisement, keyHex: string, ifname: string): void {
    const slot = `${keyHex}%${ifname}`;
    let instances = this.replay.get(slot);
    if (instances === undefined) {
      instances = new BoundedMap(MAX_INSTANCES_PER_KEY);
      this.replay.set(slot, instances);
    }
    instances.set(toHex(adv.instance), adv.counter);
  }
}
