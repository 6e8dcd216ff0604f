/**
 * Runs the pure routing core (src/routing) inside the daemon: feeds it link
 * events, routing messages (link channel 1) and RTT samples, carries out its
 * actions (send, persist the sequence number, install revocation lists,
 * close links on protocol errors) and calls `tick` when it asks to wake.
 *
 * A neighbour may be reachable over several links (one per interface): the
 * router sees one neighbour, up while at least one link is; messages to it
 * go over the link with the lowest RTT.
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { encodeRevocationList, type TrustStore } from '../identity/index.js';
import { CachedChainVerifier, DEFAULT_COST_ESTIMATOR_OPTIONS, identityChainVerifier, IdentityRevocationStore, Router, type ChainVerifier, type NodeInfo, type Route, type RoutingAction, type VerifiedOrigin } from '../routing/index.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { writeFileAtomic } from '../util/files.js';
import type { ErrorCode } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { LinkCloseCode } from '../wire/link-constants.js';
import { ROUTING_CHANNEL } from '../wire/routing-constants.js';
import type { NodeIdentity } from './identity.js';
import { addressOfNode } from '../dataplane/addressing.js';
import type { Link, LinkManager } from './link-manager.js';
import { MemberDirectory } from './member-directory.js';
import { nodeIdFromText, type Member } from '../identity/index.js';
import type { NameConflict, MemberInfo } from '../control/protocol.js';

export const SEQUENCE_FILE = 'skein.seq';
/** Members remembered for sessions; bounded like the routing database. */
const MAX_MEMBERS = 100_000;

export interface RoutingHostEvents {
  routesChanged: [changed: readonly string[]];
  /** A stored record was dropped because its chain no longer stands. */
  recordPurged: [{ origin: string; name: string; code: ErrorCode; reason: string }];
  /** A name is claimed by several members (new, or its set of members changed). */
  nameConflict: [NameConflict];
}

export interface RoutingHostOptions {
  identity: NodeIdentity;
  links: LinkManager;
  /** The node's one trust store: chains, revocations and CA removals are all read from it. */
  trust: TrustStore;
  /** Where the sequence number is persisted. */
  stateDir: string;
  clock: Clock;
  log: Logger;
}


/** Remembers every origin whose chain verified, so sessions can look up a member's certified key. */
class RecordingVerifier implements ChainVerifier {
  readonly origins = new Map<string, VerifiedOrigin>();

  constructor(public inner: ChainVerifier) {}

  verifyChain(chain: Uint8Array, nowMs: number): VerifiedOrigin {
    const origin = this.inner.verifyChain(chain, nowMs);
    if (!this.origins.has(origin.idText) && this.origins.size >= MAX_MEMBERS) {
      const oldest = this.origins.keys().next().value;
      if (oldest !== undefined) this.origins.delete(oldest);
    }
    this.origins.set(origin.idText, origin);
    return origin;
  }
}

export class RoutingHost extends EventEmitter<RoutingHostEvents> {
  readonly name = 'routing';
  readonly router: Router;
  private readonly verifier: RecordingVerifier;
  private readonly revocations: IdentityRevocationStore;
  private readonly neighbourLinks = new Map<string, Set<Link>>();
  /** Per neighbour, the link with the lowest RTT: recomputed on link and RTT changes, read per packet. */
  private readonly best = new Map<string, Link>();
  /** The reachable members by id, name and address. */
  private readonly index = new MemberDirectory();
  /** The database state the directory was built from (records stored, removed, routes run). */
  private namesBuiltAt = -1;
  private wakeTimer: TimerHandle | undefined;
  private wakeAt = Infinity;
  private stopped = false;
  /** The last sequence write failed (logged once until one succeeds). */
  private sequenceWriteFailing = false;

  constructor(private readonly opts: RoutingHostOptions) {
    super();
    const { identity, clock, trust } = opts;
    this.verifier = new RecordingVerifier(new CachedChainVerifier(identityChainVerifier(trust.anchors)));
    this.revocations = new IdentityRevocationStore(trust);
    this.router = new Router({
      self: { idText: identity.key.idText, name: identity.self.name, publicKey: identity.key.signing.publicKey, secretKey: identity.key.signing.secretKey, chain: identity.chain },
      chains: this.verifier,
      revocations: this.revocations,
      // Timers and budgets on monotonic time; wall time only for what members must agree on.
      nowMs: clock.monotonic(),
      wallClock: () => clock.now(),
      options: { minEdgeCost: DEFAULT_COST_ESTIMATOR_OPTIONS.hopCostMicros },
      lastSequence: this.readSequence(),
      revocationLists: trust.anchors.revocations.map(encodeRevocationList),
      cpuClock: () => performance.now(),
    });
  }

  start(): void {
    const { links } = this.opts;
    links.on('linkUp', (l) => this.onLinkUp(l));
    links.on('linkDown', (l) => this.onLinkDown(l));
    links.handle(ROUTING_CHANNEL, (l, data) => {
      // A copy: `data` is a view into the socket's read chunk, and stored records must not pin whole chunks.
      this.apply(this.router.receive(l.peer.idText, new Uint8Array(data), this.opts.clock.monotonic()));
    });
    links.on('rtt', (l, ms) => {
      const id = l.peer.idText;
      if ((this.neighbourLinks.get(id)?.size ?? 0) > 1) this.chooseBest(id);
      if (this.bestLink(id) === l) this.apply(this.router.rttSample(id, ms, this.opts.clock.monotonic()));
    });
    this.apply(this.router.tick(this.opts.clock.monotonic()));
  }

  stop(): void {
    this.stopped = true;
    this.wakeTimer?.cancel();
  }

  /** The link to use for a neighbour: the one with the lowest RTT. */
  bestLink(neighbour: string): Link | undefined {
    return this.best.get(neighbour);
  }

  private chooseBest(neighbour: string): void {
    let best: Link | undefined;
    let bestRtt = Infinity;
    for (const l of this.neighbourLinks.get(neighbour) ?? []) {
      const rtt = l.channel.stats().rttMs ?? Infinity;
      if (best === undefined || rtt < bestRtt) {
        best = l;
        bestRtt = rtt;
      }
    }
    if (best) this.best.set(neighbour, best);
    else this.best.delete(neighbour);
  }

  /** The link to the next hop towards a destination (undefined: no route). */
  nextHopLink(destination: string): Link | undefined {
    const route = this.router.route(destination);
    return route ? this.bestLink(route.nextHop) : undefined;
  }

  route(destination: string): Route | undefined {
    return this.router.route(destination);
  }

  /** A member's certified identity, if its record verified, its whole chain still stands and it is reachable now. */
  member(idText: string): Member | undefined {
    if (!this.router.route(idText)) return undefined;
    const origin = this.verifier.origins.get(idText);
    if (!origin || this.opts.trust.check(origin, this.opts.clock.now()) !== undefined) return undefined;
    const { name, publicKey, groups, notAfterMs, keyIds } = origin;
    return { id: nodeIdFromText(idText), idText, name, publicKey, groups, notAfterMs, standing: { keyIds, notAfterMs } };
  }

  /** Any member ever verified (reachable or not), for checking signed reports. */
  knownKey(idText: string): Uint8Array | undefined {
    return this.verifier.origins.get(idText)?.publicKey;
  }

  /** The reachable members (this node included) by id, name and address, as of now. */
  get directory(): MemberDirectory {
    this.refreshNames();
    return this.index;
  }

  /**
   * A reachable member (or this node) by name or node id. A name claimed by
   * several members resolves by member-names.ts's rule, never by distance.
   */
  resolve(target: string): MemberInfo | undefined {
    return this.directory.resolve(target);
  }

  /** Names claimed by more than one reachable member now. */
  nameConflicts(): NameConflict[] {
    return this.directory.conflicts();
  }

  /**
   * Rebuild the name index when the database changed since it was built (a
   * member re-certified under a new name changes no route), and report
   * conflicts that are new. Returns the member list it was built from, or
   * undefined when nothing changed.
   */
  private refreshNames(): MemberInfo[] | undefined {
    const st = this.router.stats;
    const version = st.recordsAccepted + st.expired + st.purgedUnreachable + st.purgedRevoked + st.purgedUntrusted + st.spfRuns;
    if (version === this.namesBuiltAt) return undefined;
    this.namesBuiltAt = version;
    const members = this.listMembers();
    const conflicts = this.index.update(members);
    for (const conflict of conflicts) this.emit('nameConflict', conflict);
    return members;
  }

  /** Every reachable member and this node, nearest first. */
  members(): MemberInfo[] {
    return this.refreshNames() ?? this.listMembers();
  }

  private listMembers(): MemberInfo[] {
    const now = this.opts.clock.monotonic();
    const { identity } = this.opts;
    const nameOf = (id: string) => this.verifier.origins.get(id)?.name ?? (id === identity.key.idText ? identity.self.name : null);
    return this.router.nodes(now)
      .filter((n: NodeInfo) => n.self || n.route !== undefined)
      .map((n: NodeInfo) => ({
        name: n.name,
        id: n.id,
        address: addressOfNode(this.opts.identity.clusterId, Buffer.from(n.id, 'hex')).text,
        hops: n.self ? 0 : (n.route?.hops ?? 0),
        cost: n.self ? 0 : (n.route?.cost ?? 0),
        sequence: n.sequence,
        nextHop: n.route?.nextHop ?? null,
        nextHopName: n.route ? nameOf(n.route.nextHop) : null,
        path: n.route ? [...n.route.path] : [],
        ageMs: Math.round(n.ageMs),
        self: n.self,
        certifiedSinceMs: n.self ? identity.self.notBefore : (this.verifier.origins.get(n.id)?.certifiedSinceMs ?? 0),
        nameConflict: this.index.inConflict(n.name),
      }))
      .sort((a, b) => a.hops - b.hops || a.name.localeCompare(b.name));
  }

  /**
   * The trust store changed: later chain checks run against the new CAs
   * with a fresh cache, verified origins whose chain no longer stands are
   * forgotten, and the router floods lists it lacks and purges every record
   * that no longer verifies.
   */
  trustChanged(): void {
    const { trust, clock } = this.opts;
    const now = clock.now();
    this.verifier.inner = new CachedChainVerifier(identityChainVerifier(trust.anchors));
    for (const [id, origin] of this.verifier.origins) if (trust.check(origin, now) !== undefined) this.verifier.origins.delete(id);
    this.apply(this.router.trustChanged(trust.anchors.revocations.map(encodeRevocationList), clock.monotonic()));
  }

  private onLinkUp(l: Link): void {
    const id = l.peer.idText;
    const set = this.neighbourLinks.get(id) ?? new Set<Link>();
    const first = set.size === 0;
    set.add(l);
    this.neighbourLinks.set(id, set);
    this.chooseBest(id);
    if (first) {
      const rtt = l.channel.stats().rttMs;
      this.apply(this.router.linkUp(id, this.opts.clock.monotonic(), rtt === null ? {} : { rttMs: rtt }));
    }
  }

  private onLinkDown(l: Link): void {
    const id = l.peer.idText;
    const set = this.neighbourLinks.get(id);
    if (!set?.delete(l)) return;
    this.chooseBest(id);
    if (set.size === 0) {
      this.neighbourLinks.delete(id);
      this.apply(this.router.linkDown(id, this.opts.clock.monotonic()));
    }
  }

  private apply(actions: RoutingAction[]): void {
    if (this.stopped) return;
    let sequence: number | undefined;
    for (const a of actions) {
      switch (a.type) {
        case 'send': {
          const link = this.bestLink(a.to);
          if (link) link.channel.send(ROUTING_CHANNEL, a.bytes);
          break;
        }
        case 'routes-changed':
          this.refreshNames();
          this.emit('routesChanged', a.changed);
          break;
        case 'sequence':
          sequence = a.sequence; // written after the sends: the new record goes out first
          break;
        case 'revocation-list':
          // The trust store has it already (the router installed it there) and tells the daemon.
          break;
        case 'record-purged':
          this.verifier.origins.delete(a.origin);
          this.emit('recordPurged', { origin: a.origin, name: a.name, code: a.code, reason: a.reason });
          break;
        case 'rejected':
          this.opts.log.debug({ from: a.from, origin: a.origin, code: a.code, reason: a.reason }, 'routing message refused');
          break;
        case 'protocol-error':
          this.opts.log.warn({ from: a.from, reason: a.reason }, 'routing protocol error: closing the link');
          for (const l of this.neighbourLinks.get(a.from) ?? []) l.channel.close(`routing protocol error: ${a.reason}`, LinkCloseCode.PROTOCOL_ERROR);
          break;
        case 'wake':
          this.scheduleWake(a.atMs);
          break;
      }
    }
    if (sequence !== undefined) this.writeSequence(sequence);
  }

  private scheduleWake(atMs: number): void {
    if (atMs >= this.wakeAt && this.wakeTimer) return;
    this.wakeTimer?.cancel();
    this.wakeAt = atMs;
    this.wakeTimer = this.opts.clock.setTimeout(() => {
      this.wakeTimer = undefined;
      this.wakeAt = Infinity;
      this.apply(this.router.tick(this.opts.clock.monotonic()));
    }, Math.max(0, atMs - this.opts.clock.monotonic()));
  }

  private sequencePath(): string {
    return join(this.opts.stateDir, SEQUENCE_FILE);
  }

  private readSequence(): number {
    try {
      const n = Number(readFileSync(this.sequencePath(), 'utf8').trim());
      return Number.isSafeInteger(n) && n >= 0 ? n : 0;
    } catch {
      return 0;
    }
  }

  /**
   * A failure (disk full, read-only state directory) is logged at error
   * level once per run of failures, naming the file, and the node runs on:
   * the next sequence is at least the wall clock in ms (routing/sequence.ts),
   * so a lost write only matters if the clock also goes back before the
   * next success. The atomic write leaves the previous file intact.
   */
  private writeSequence(seq: number): void {
    const path = this.sequencePath();
    try {
      writeFileAtomic(path, `${seq}\n`, { force: true, mode: 0o600 });
      if (this.sequenceWriteFailing) this.opts.log.info({ file: path }, 'the routing sequence number is saved again');
      this.sequenceWriteFailing = false;
    } catch (err) {
      if (this.sequenceWriteFailing) return;
      this.sequenceWriteFailing = true;
      this.opts.log.error({ file: path, reason: (err as Error).message }, `cannot save the routing sequence number to ${path}: running on (a restart derives the next one from the clock; the file keeps the last saved value)`);
    }
  }
}
