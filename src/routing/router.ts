/**
 * The routing core: one node's link-state router. Pure: no sockets, no
 * timers, no clock of its own. The host calls the event methods with the
 * current time and carries out the returned actions (actions.ts); the last
 * action is a `wake` with the time `tick` must be called next.
 *
 *   linkUp / linkDown      an authenticated link to a neighbour came up / ended
 *   rttSample / setLinkCost a measured RTT (smoothed into a cost) or a fixed cost
 *   receive                 a routing message from a neighbour
 *   addRevocationList       a list issued locally (e.g. `skein ca revoke`), to flood
 *   tick                    timers: origination, refresh, flush, retransmit, routes, expiry
 *
 * Timers, in tick order: expired records are removed; our record is
 * originated when links changed (at once when quiet, throttled while busy)
 * or a refresh is due; routes are recomputed (at once when quiet, at most
 * once per hold however many changes); origins unreachable for the grace
 * period are removed; unacknowledged sends are queued again; queues due are
 * flushed into messages (at once when quiet, paced while busy).
 */
import { ErrorCodes, SkeinError } from '../util/errors.js';
import type { RoutingAction, RoutingStats } from './actions.js';
import { type CostEstimatorOptions, LinkCostEstimator } from './cost.js';
import type { StoredRecord } from './database.js';
import { Neighbour } from './neighbour.js';
import { resolveRoutingOptions, type RoutingOptions } from './options.js';
import { originate } from './originate.js';
import { flushNeighbour } from './outbox.js';
import { handleMessage, installRevocationList, purgeUntrusted } from './receive.js';
import { purgeUnreachable, recomputeRoutes } from './routes.js';
import type { Route, RouteTable } from './spf.js';
import { RouterState, type RouterIdentity } from './state.js';
import { buildSummary } from './summary.js';
import type { ChainVerifier, RevocationStore } from './trust.js';
import { checkRecordSignature, type RecordSignatureCheck } from './verify-record.js';

export interface RouterConfig {
  self: RouterIdentity;
  /** Certificate chain checks (wrap in CachedChainVerifier). */
  chains: ChainVerifier;
  /** This node's revocation lists. */
  revocations: RevocationStore;
  /**
   * Monotonic time the router starts. Every `nowMs` the router is given is
   * monotonic: timers, budgets and pacing never see a wall-clock step.
   */
  nowMs: number;
  /**
   * Wall time (ms since the epoch), read only for what members must agree
   * on: issue times, sequence numbers, lifetimes and certificate validity.
   * Default: the `nowMs` of each call (the simulator and tests, one clock).
   */
  wallClock?: () => number;
  /** The last sequence number persisted by a previous run (0 if none). */
  lastSequence?: number;
  /** Revocation lists held at start (from disk), flooded to neighbours that lack them. */
  revocationLists?: readonly Uint8Array[];
  options?: Partial<RoutingOptions>;
  costEstimator?: Partial<CostEstimatorOptions>;
  /** A real monotonic clock in ms, only to measure route computation time. */
  cpuClock?: () => number;
  /** How record signatures are checked; default libsodium Ed25519 (the simulator shares a memo). */
  signatureCheck?: RecordSignatureCheck;
}

export interface LinkOptions {
  /** A fixed cost; without it the cost comes from RTT samples (rttSample). */
  cost?: number;
  /** A first RTT sample (e.g. from the handshake). */
  rttMs?: number;
}

export interface NodeInfo {
  id: string;
  name: string;
  sequence: number;
  /** ms since the origin signed the record. */
  ageMs: number;
  expiresInMs: number;
  neighbours: readonly { id: string; cost: number }[];
  route: Route | undefined;
  self: boolean;
}

export class Router {
  private readonly state: RouterState;
  private readonly estimatorOptions: Partial<CostEstimatorOptions>;

  constructor(config: RouterConfig) {
    const opts = resolveRoutingOptions(config.options);
    this.state = new RouterState(
      config.self, opts, config.chains, config.revocations, config.lastSequence ?? 0, config.cpuClock, config.signatureCheck ?? checkRecordSignature,
      config.nowMs, config.wallClock,
    );
    this.estimatorOptions = config.costEstimator ?? {};
    for (const bytes of config.revocationLists ?? []) installRevocationList(this.state, bytes, config.nowMs, undefined, undefined);
    this.state.out = [];
    this.state.scheduleOrigination(config.nowMs);
  }

  get id(): string {
    return this.state.self.idText;
  }

  /** The sequence number of our newest record (persist it; see sequence.ts). */
  get lastSequence(): number {
    return this.state.lastSequence;
  }

  get options(): Readonly<RoutingOptions> {
    return this.state.opts;
  }

  get stats(): Readonly<RoutingStats> {
    return this.state.stats;
  }

  routes(): RouteTable {
    return this.state.routes;
  }

  route(destination: string): Route | undefined {
    return this.state.routes.get(destination);
  }

  /** Every known member (self first), for `skein nodes`. */
  nodes(nowMs: number): NodeInfo[] {
    const out: NodeInfo[] = [];
    for (const rec of this.state.db.values()) out.push(this.info(rec, nowMs));
    return out.sort((a, b) => Number(b.self) - Number(a.self) || (a.id < b.id ? -1 : 1));
  }

  neighbours(): { id: string; cost: number; smoothedRttMs: number | undefined; upSinceMs: number }[] {
    return [...this.state.links.values()].map((n) => ({ id: n.id, cost: n.cost, smoothedRttMs: n.estimator.smoothedRttMs, upSinceMs: n.upSinceMs }));
  }

  database(): { records: number; bytes: number } {
    return { records: this.state.db.size, bytes: this.state.db.bytes };
  }

  /** Sequence of each record held, by origin (for tests and the simulator's checks). */
  recordSequences(): Map<string, number> {
    return new Map([...this.state.db.values()].map((r) => [r.origin, r.sequence]));
  }

  /** The earliest time `tick` has work (Infinity when none). */
  nextWakeAtMs(): number {
    const s = this.state;
    let at = Math.min(s.originationDueAtMs, s.refreshDueAtMs, s.spfDueAtMs, s.nextPurgeAtMs, s.monoAt(s.db.nextExpiryAt()));
    for (const n of s.links.values()) at = Math.min(at, n.flushDueAt, n.retransmitDueAt);
    return at;
  }

  linkUp(neighbour: string, nowMs: number, link: LinkOptions = {}): RoutingAction[] {
    return this.run(nowMs, () => {
      const s = this.state;
      if (neighbour === s.self.idText) throw new SkeinError(ErrorCodes.USAGE, `routing: a link to ourselves (${neighbour})`);
      const estimator = new LinkCostEstimator(this.estimatorOptions);
      if (link.rttMs !== undefined) estimator.addSample(link.rttMs);
      const n = new Neighbour(neighbour, link.cost ?? estimator.cost, nowMs, s.opts, estimator);
      s.links.set(neighbour, n);
      const records = [...s.db.values()].map((r) => ({ id: r.origin, sequence: r.sequence }));
      const lists = [...s.revocationLists].map(([id, l]) => ({ id, sequence: l.sequence }));
      for (const part of buildSummary(records, lists, n.newExchangeId())) n.queueSummary(part.ref, part.bytes, nowMs);
      s.scheduleOrigination(nowMs);
      s.markGraphChanged(nowMs);
    });
  }

  linkDown(neighbour: string, nowMs: number): RoutingAction[] {
    return this.run(nowMs, () => {
      if (!this.state.links.delete(neighbour)) return;
      this.state.scheduleOrigination(nowMs);
      this.state.markGraphChanged(nowMs);
    });
  }

  setLinkCost(neighbour: string, cost: number, nowMs: number): RoutingAction[] {
    return this.run(nowMs, () => this.changeCost(neighbour, cost, nowMs));
  }

  rttSample(neighbour: string, rttMs: number, nowMs: number): RoutingAction[] {
    return this.run(nowMs, () => {
      const n = this.state.links.get(neighbour);
      if (n !== undefined && n.estimator.addSample(rttMs)) this.changeCost(neighbour, n.estimator.cost, nowMs);
    });
  }

  receive(neighbour: string, bytes: Uint8Array, nowMs: number): RoutingAction[] {
    return this.run(nowMs, () => {
      const n = this.state.links.get(neighbour);
      if (n !== undefined) handleMessage(this.state, n, bytes, nowMs);
    });
  }

  /** Installs and floods a locally issued list (no-op if not newer); throws SkeinError when it is not trustworthy. */
  addRevocationList(bytes: Uint8Array, nowMs: number): RoutingAction[] {
    return this.run(nowMs, () => {
      installRevocationList(this.state, bytes, nowMs, undefined, undefined);
    });
  }

  /**
   * The node's trust changed (a reload, a list that reached the store some
   * other way): install and flood any of `lists` newer than ours, then purge
   * every stored record whose chain no longer stands.
   */
  trustChanged(lists: readonly Uint8Array[], nowMs: number): RoutingAction[] {
    return this.run(nowMs, () => {
      for (const bytes of lists) installRevocationList(this.state, bytes, nowMs, undefined, undefined);
      purgeUntrusted(this.state, nowMs);
    });
  }

  /** Runs the timers that are due. Every other event method runs them too, after the event. */
  tick(nowMs: number): RoutingAction[] {
    return this.run(nowMs, () => undefined);
  }

  private runTimers(nowMs: number): void {
    const s = this.state;
    const wallMs = s.wallMs(nowMs);
    if (wallMs >= s.db.nextExpiryAt()) {
      const expired = s.db.expire(wallMs);
      for (const rec of expired) {
        s.stats.expired++;
        if (rec.origin === s.self.idText) s.scheduleOrigination(nowMs, true);
      }
      if (expired.length > 0) s.markGraphChanged(nowMs);
    }
    if (nowMs >= s.originationDueAtMs || nowMs >= s.refreshDueAtMs) originate(s, nowMs);
    if (nowMs >= s.spfDueAtMs) recomputeRoutes(s, nowMs);
    if (nowMs >= s.nextPurgeAtMs) purgeUnreachable(s, nowMs);
    for (const n of s.links.values()) {
      if (nowMs >= n.retransmitDueAt) s.stats.retransmissions += n.requeueUnacknowledged(nowMs);
    }
  }

  private changeCost(neighbour: string, cost: number, nowMs: number): void {
    const n = this.state.links.get(neighbour);
    if (n === undefined || n.cost === cost) return;
    n.cost = cost;
    this.state.scheduleOrigination(nowMs);
    this.state.markGraphChanged(nowMs);
  }

  private info(rec: StoredRecord, nowMs: number): NodeInfo {
    const wallMs = this.state.wallMs(nowMs);
    return {
      id: rec.origin,
      name: rec.name,
      sequence: rec.sequence,
      ageMs: wallMs - rec.issuedAtMs,
      expiresInMs: rec.expiresAtMs - wallMs,
      neighbours: rec.neighbourIds.map((id, i) => ({ id, cost: rec.neighbourCosts[i] ?? 0 })),
      route: this.state.routes.get(rec.origin),
      self: rec.origin === this.state.self.idText,
    };
  }

  private run(nowMs: number, body: () => void): RoutingAction[] {
    const s = this.state;
    s.out = [];
    s.observe(nowMs);
    body();
    this.runTimers(nowMs);
    for (const n of s.links.values()) {
      if (nowMs < n.flushDueAt) continue;
      for (const bytes of flushNeighbour(n, s, nowMs)) {
        s.stats.messagesSent++;
        s.stats.bytesSent += bytes.byteLength;
        s.out.push({ type: 'send', to: n.id, bytes });
      }
    }
    const wake = this.nextWakeAtMs();
    if (wake !== Infinity) s.out.push({ type: 'wake', atMs: wake });
    const out = s.out;
    s.out = [];
    return out;
  }
}
