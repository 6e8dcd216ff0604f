/**
 * The router's state, shared by its parts (router.ts drives the timers,
 * receive.ts handles messages, originate.ts builds our own record,
 * routes.ts computes routes and purges), with the small helpers they share.
 */
import { ErrorCodes, type ErrorCode, SkeinError } from '../util/errors.js';
import type { RoutingAction, RoutingStats } from './actions.js';
import { emptyStats } from './actions.js';
import { LinkStateDatabase, type StoredRecord } from './database.js';
import type { Neighbour } from './neighbour.js';
import type { RoutingOptions } from './options.js';
import type { Flushable } from './outbox.js';
import { tokensAfter, waitForToken, type IssueRate } from './record-rate.js';
import type { Route } from './spf.js';
import type { ChainVerifier, RevocationStore } from './trust.js';
import type { RecordCheckers, RecordSignatureCheck } from './verify-record.js';
import { TokenBucket } from '../util/token-bucket.js';

export interface RouterIdentity {
  /** Our node id (32 hex). */
  idText: string;
  name: string;
  /** Ed25519 key pair the certificate binds (secret key: libsodium's 64 bytes). */
  publicKey: Uint8Array;
  secretKey: Uint8Array;
  /** Our encoded certificate chain, carried in every record we originate. */
  chain: Uint8Array;
}

/** Interned ids kept at most, relative to the database bound. */
const INTERN_FACTOR = 4;

export interface StoredRevocationList {
  sequence: number;
  bytes: Uint8Array;
}

export class RouterState implements Flushable, RecordCheckers {
  readonly db: LinkStateDatabase;
  readonly links = new Map<string, Neighbour>();
  readonly revocationLists = new Map<string, StoredRevocationList>();
  readonly stats: RoutingStats = emptyStats();
  out: RoutingAction[] = [];

  lastSequence: number;
  /**
   * When (monotonic) our newest record that went out to a neighbour was
   * made. Only such records constrain the next one (neighbours refuse
   * records of one origin arriving closer than minRecordArrivalMs): one
   * replaced before it was sent (e.g. the record made at start, with no
   * links) reached no one.
   */
  lastSentOwnMadeAtMs = -Infinity;
  /** Sequence of that record: each record of ours takes a token once, even several issued in one millisecond. */
  lastSentOwnSequence = -Infinity;
  /** The current gap between our records once the burst is spent: originationBackoffMs, doubled while busy. */
  originationGapMs: number;
  /** Our origination budget left after our last sent record (record-rate.ts): originationBurst at start. */
  ownTokens: number;
  originationDueAtMs = Infinity;
  refreshDueAtMs = Infinity;
  forceOriginate = false;
  spfDueAtMs = Infinity;
  lastSpfAtMs = -Infinity;
  spfHoldMs: number;
  /** Back-to-back computations since the last quiet spell. */
  spfBusyRun = 0;
  routes: ReadonlyMap<string, Route> = new Map();
  nextPurgeAtMs = Infinity;
  /** New records and revocation lists from all neighbours together (each costs a signature check). */
  readonly totalRecordBucket: TokenBucket;
  /** The last times the router was called at: monotonic, and the wall time read then. */
  lastMonoMs: number;
  lastWallMs: number;

  constructor(
    readonly self: RouterIdentity,
    readonly opts: RoutingOptions,
    readonly chains: ChainVerifier,
    readonly revocations: RevocationStore,
    lastSequence: number,
    readonly cpuClock: (() => number) | undefined,
    readonly signature: RecordSignatureCheck,
    nowMs: number,
    private readonly wallClock: (() => number) | undefined,
  ) {
    this.totalRecordBucket = new TokenBucket(opts.totalRecordRate, nowMs);
    this.lastMonoMs = nowMs;
    this.lastWallMs = this.wallMs(nowMs);
    this.db = new LinkStateDatabase(opts.maxRecords, opts.maxDatabaseBytes, self.idText);
    this.lastSequence = lastSequence;
    this.spfHoldMs = opts.spfDelayMs;
    this.originationGapMs = this.minOriginationGap();
    this.ownTokens = opts.originationBurst;
  }

  /** Wall time at monotonic `nowMs`: from the injected wall clock, else the same number (one clock). */
  wallMs(nowMs: number): number {
    return this.wallClock?.() ?? nowMs;
  }

  /** Remember the call's times (wall deadlines such as record expiry are turned into monotonic ones from them). */
  observe(nowMs: number): void {
    this.lastMonoMs = nowMs;
    this.lastWallMs = this.wallMs(nowMs);
  }

  /** A wall-clock deadline as a monotonic one, by the last observed times. */
  monoAt(wallAtMs: number): number {
    return wallAtMs === Infinity ? Infinity : wallAtMs - this.lastWallMs + this.lastMonoMs;
  }

  private minOriginationGap(): number {
    return Math.min(this.opts.originationBackoffMs, this.opts.minOriginationIntervalMs);
  }

  /** Our own records: originationBurst back to back, then one per the shortest origination gap. */
  private ownRate(): IssueRate {
    return { burst: this.opts.originationBurst, refillMs: this.minOriginationGap() };
  }

  /** The earliest our next record may be issued: at once while the burst lasts, else a token and the gap after the last one sent. */
  private nextOwnIssueAtMs(): number {
    if (this.ownTokens >= 1) return -Infinity;
    return this.lastSentOwnMadeAtMs + Math.max(waitForToken(this.ownTokens, this.ownRate()), this.originationGapMs);
  }

  private readonly interned = new Map<string, string>();

  internId(id: string): string {
    const known = this.interned.get(id);
    if (known !== undefined) return known;
    // A cache, not a table: bounded, and forgetting only costs some sharing.
    if (this.interned.size >= INTERN_FACTOR * this.opts.maxRecords) this.interned.clear();
    this.interned.set(id, id);
    return id;
  }

  record(origin: string): StoredRecord | undefined {
    return this.db.get(origin);
  }

  /**
   * A record went out to a neighbour. Our own, sent for the first time,
   * takes a token of our origination budget (counted by when it was made,
   * on our monotonic clock: neighbours count arrivals on theirs). Within the burst the next may follow at once;
   * once it is spent the next keeps the gap from this one, and each further
   * back-to-back one doubles the gap (up to minOriginationIntervalMs); only
   * a quiet spell resets the gap and lets the budget refill.
   */
  recordSent(origin: string): void {
    if (origin !== this.self.idText) return;
    const mine = this.db.get(origin);
    if (mine === undefined || mine.sequence <= this.lastSentOwnSequence) return;
    const elapsed = mine.receivedAtMs - this.lastSentOwnMadeAtMs;
    const burstSpent = this.ownTokens < 1;
    const busy = elapsed <= 2 * this.originationGapMs;
    this.ownTokens = Math.max(0, tokensAfter(this.ownTokens, elapsed, this.ownRate()) - 1);
    if (!busy) {
      this.originationGapMs = this.minOriginationGap();
    } else if (burstSpent) {
      this.originationGapMs = Math.min(2 * this.originationGapMs, this.opts.minOriginationIntervalMs);
      // Backing off: tokens earned while held back by the gap buy no new burst; a quiet spell does.
      this.ownTokens = 0;
    }
    this.lastSentOwnMadeAtMs = Math.max(this.lastSentOwnMadeAtMs, mine.receivedAtMs);
    this.lastSentOwnSequence = mine.sequence;
    // An origination already scheduled (say, after a hold) must now keep the gap from this one.
    if (this.originationDueAtMs !== Infinity) this.originationDueAtMs = Math.max(this.originationDueAtMs, this.nextOwnIssueAtMs());
  }

  revocationList(issuer: string): StoredRevocationList | undefined {
    return this.revocationLists.get(issuer);
  }

  emit(action: RoutingAction): void {
    this.out.push(action);
  }

  reject(from: string, origin: string | undefined, err: unknown): void {
    const code: ErrorCode = err instanceof SkeinError ? err.code : ErrorCodes.DECODE;
    const reason = err instanceof Error ? err.message : String(err);
    this.stats.recordsRejected++;
    this.emit({ type: 'rejected', from, ...(origin !== undefined ? { origin } : {}), code, reason });
  }

  /** Routes need computing: at once after a quiet spell, else when the hold since the last computation ends. */
  markGraphChanged(nowMs: number): void {
    if (this.spfDueAtMs === Infinity) this.spfDueAtMs = Math.max(nowMs, this.lastSpfAtMs + this.spfHoldMs);
  }

  /** After a computation: back-to-back ones beyond spfBurst double the hold (up to the maximum); a quiet spell resets it. */
  spfDone(nowMs: number): void {
    const busy = nowMs - this.lastSpfAtMs <= 2 * this.spfHoldMs;
    this.spfBusyRun = busy ? this.spfBusyRun + 1 : 0;
    const doubling = busy && this.spfBusyRun >= this.opts.spfBurst;
    this.spfHoldMs = doubling ? Math.min(2 * this.spfHoldMs, this.opts.spfMaxHoldMs) : busy ? this.spfHoldMs : this.opts.spfDelayMs;
    this.lastSpfAtMs = nowMs;
  }

  /** Our links changed: originate after the hold (none by default), but not before our origination budget allows (recordSent). */
  scheduleOrigination(nowMs: number, force = false): void {
    if (force) this.forceOriginate = true;
    const hold = force ? 0 : this.opts.originationHoldMs;
    const at = Math.max(nowMs + hold, this.nextOwnIssueAtMs());
    this.originationDueAtMs = Math.min(this.originationDueAtMs, at);
  }

  floodRecord(origin: string, except: string | undefined, nowMs: number): void {
    for (const n of this.links.values()) if (n.id !== except) n.queueRecord(origin, nowMs);
  }

  floodRevocation(issuer: string, except: string | undefined, nowMs: number): void {
    for (const n of this.links.values()) if (n.id !== except) n.queueRevocation(issuer, nowMs);
  }
}
