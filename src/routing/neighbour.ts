/**
 * Per-neighbour flooding state: what is queued for the neighbour (records,
 * revocation lists, summary parts, acks), what was sent and awaits an ack,
 * and the neighbour's rate limits.
 *
 * Queues hold keys, not bytes: a record queued twice is sent once, and the
 * newest stored copy is what goes out when the queue is flushed. Flushing
 * happens at once when the last flush is at least `floodPacingMs` old (a
 * quiet network floods a change without delay), else when that gap ends, so
 * a burst of changes leaves in a few full messages instead of many small ones.
 */
import { TokenBucket } from '../util/token-bucket.js';
import type { SequenceEntry } from '../wire/routing-header.js';
import type { SummaryPartRef } from '../wire/routing-ack.js';
import { LinkCostEstimator } from './cost.js';
import type { RoutingOptions } from './options.js';

interface Pending {
  sequence: number;
  sentAtMs: number;
}

interface PendingSummary {
  ref: SummaryPartRef;
  bytes: Uint8Array;
  sentAtMs: number;
}

export function summaryKey(ref: SummaryPartRef): string {
  return `${ref.exchangeId}:${ref.part}`;
}

export class Neighbour {
  readonly estimator: LinkCostEstimator;
  readonly recordBucket: TokenBucket;
  readonly messageBucket: TokenBucket;
  readonly summaryBucket: TokenBucket;
  /**
   * The newest sequence of each origin the neighbour holds by its own word
   * on this link (it sent us that record, or acked it): a summary from it
   * claiming to lack one of those is not answered with it again. At most
   * maxRecords origins (beyond, the neighbour only loses this saving).
   */
  private readonly holds = new Map<string, number>();

  readonly outRecords = new Set<string>();
  readonly outRevocations = new Set<string>();
  readonly outSummaries: PendingSummary[] = [];
  readonly ackRecords = new Map<string, number>();
  readonly ackRevocations = new Map<string, number>();
  readonly ackSummaries: SummaryPartRef[] = [];
  flushDueAt = Infinity;
  lastFlushAt = -Infinity;

  readonly pendingRecords = new Map<string, Pending>();
  readonly pendingRevocations = new Map<string, Pending>();
  readonly pendingSummaries = new Map<string, PendingSummary>();
  retransmitDueAt = Infinity;
  private nextExchange = 1;

  constructor(
    readonly id: string,
    public cost: number,
    readonly upSinceMs: number,
    private readonly opts: RoutingOptions,
    estimator: LinkCostEstimator,
  ) {
    this.estimator = estimator;
    this.recordBucket = new TokenBucket(opts.neighbourRecordRate, upSinceMs);
    this.messageBucket = new TokenBucket(opts.neighbourMessageRate, upSinceMs);
    this.summaryBucket = new TokenBucket(opts.neighbourSummaryRate, upSinceMs);
  }

  /** Does the neighbour hold `sequence` of `origin` (or newer) by its own word, or is it on its way there now? */
  holdsOrAwaits(origin: string, sequence: number): boolean {
    return (this.holds.get(origin) ?? -1) >= sequence || (this.pendingRecords.get(origin)?.sequence ?? -1) >= sequence || this.outRecords.has(origin);
  }

  newExchangeId(): number {
    const id = this.nextExchange;
    this.nextExchange = (this.nextExchange % 0xffff_ffff) + 1;
    return id;
  }

  private due(nowMs: number): void {
    this.flushDueAt = Math.min(this.flushDueAt, Math.max(nowMs, this.lastFlushAt + this.opts.floodPacingMs));
  }

  queueRecord(origin: string, nowMs: number): void {
    this.outRecords.add(origin);
    this.due(nowMs);
  }

  queueRevocation(issuer: string, nowMs: number): void {
    this.outRevocations.add(issuer);
    this.due(nowMs);
  }

  queueSummary(ref: SummaryPartRef, bytes: Uint8Array, nowMs: number): void {
    this.outSummaries.push({ ref, bytes, sentAtMs: nowMs });
    this.due(nowMs);
  }

  ackRecord(origin: string, sequence: number, nowMs: number): void {
    this.ackRecords.set(origin, Math.max(sequence, this.ackRecords.get(origin) ?? -1));
    this.due(nowMs);
  }

  ackRevocation(issuer: string, sequence: number, nowMs: number): void {
    this.ackRevocations.set(issuer, Math.max(sequence, this.ackRevocations.get(issuer) ?? -1));
    this.due(nowMs);
  }

  ackSummary(ref: SummaryPartRef, nowMs: number): void {
    this.ackSummaries.push(ref);
    this.due(nowMs);
  }

  /** The neighbour holds `sequence` (or newer) of this origin: nothing to send or resend it. */
  holdsRecord(origin: string, sequence: number): void {
    const held = this.holds.get(origin);
    if (held === undefined ? this.holds.size < this.opts.maxRecords : held < sequence) this.holds.set(origin, sequence);
    const p = this.pendingRecords.get(origin);
    if (p !== undefined && p.sequence <= sequence) this.pendingRecords.delete(origin);
  }

  holdsRevocation(issuer: string, sequence: number): void {
    const p = this.pendingRevocations.get(issuer);
    if (p !== undefined && p.sequence <= sequence) this.pendingRevocations.delete(issuer);
  }

  acknowledged(entries: { records: SequenceEntry[]; revocations: SequenceEntry[]; summaryParts: SummaryPartRef[] }): void {
    for (const e of entries.records) this.holdsRecord(e.id, e.sequence);
    for (const e of entries.revocations) this.holdsRevocation(e.id, e.sequence);
    for (const ref of entries.summaryParts) this.pendingSummaries.delete(summaryKey(ref));
  }

  markSent(nowMs: number): void {
    if (this.retransmitDueAt === Infinity && this.hasPending()) this.retransmitDueAt = nowMs + this.opts.retransmitIntervalMs;
  }

  hasPending(): boolean {
    return this.pendingRecords.size + this.pendingRevocations.size + this.pendingSummaries.size > 0;
  }

  /** Re-queues everything unacknowledged for `retransmitIntervalMs`; returns how many items. */
  requeueUnacknowledged(nowMs: number): number {
    const rtx = this.opts.retransmitIntervalMs;
    let count = 0;
    let next = Infinity;
    const sweep = <K>(pending: Map<K, { sentAtMs: number }>, requeue: (key: K) => void): void => {
      for (const [key, p] of pending) {
        if (p.sentAtMs + rtx <= nowMs) {
          pending.delete(key);
          requeue(key);
          count++;
        } else {
          next = Math.min(next, p.sentAtMs + rtx);
        }
      }
    };
    sweep(this.pendingRecords, (origin) => this.queueRecord(origin, nowMs));
    sweep(this.pendingRevocations, (issuer) => this.queueRevocation(issuer, nowMs));
    const summaries = [...this.pendingSummaries.values()];
    sweep(this.pendingSummaries, () => undefined);
    for (const s of summaries) if (!this.pendingSummaries.has(summaryKey(s.ref))) this.queueSummary(s.ref, s.bytes, nowMs);
    this.retransmitDueAt = next;
    return count;
  }
}
