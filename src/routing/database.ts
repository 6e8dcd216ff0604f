/**
 * The link-state database: the newest verified record of each origin, with
 * its bounds (records, bytes) and expiry.
 *
 * Expiry is a heap with lazy deletion, so finding what is due costs
 * O(log n) per record instead of a scan of the database.
 *
 * There are no tombstones: a removed record that comes back (a replay of an
 * old but unexpired copy, or a node healing from a partition without
 * changing its record) is verified like any other; if its origin is
 * unreachable it is removed again after the grace period. A tombstone would
 * refuse the healed node's unchanged record until its next refresh.
 */
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { MAX_RECORD_BYTES } from '../wire/routing-constants.js';
import { MinHeap } from './heap.js';

export interface StoredRecord {
  origin: string;
  /** Certificate name of the origin. */
  name: string;
  sequence: number;
  issuedAtMs: number;
  /** min(issued + lifetime, end of certificate validity) */
  expiresAtMs: number;
  /**
   * Neighbours as two parallel arrays of interned ids and costs: a
   * 1,000-node simulation holds a million records, and one small object per
   * neighbour would dominate memory and garbage collection.
   */
  neighbourIds: readonly string[];
  neighbourCosts: readonly number[];
  /** The encoded signed record, forwarded as is. */
  bytes: Uint8Array;
  /** Every key of the origin's chain, for revocation. */
  keyIds: readonly string[];
  /** When (monotonic, ours) the record arrived, or was made if it is ours: the record budget counts from it. */
  receivedAtMs: number;
  /** What is left of the origin's record budget after this record (record-rate.ts). */
  arrivalTokens: number;
  /** Set while the origin is unreachable from this node. */
  unreachableSinceMs?: number;
}

/** True when the record lists `id` as a neighbour (half of the two-way check). */
export function listsNeighbour(rec: StoredRecord, id: string): boolean {
  return rec.neighbourIds.includes(id);
}

interface ExpiryEntry {
  at: number;
  origin: string;
  sequence: number;
}

/** Heap garbage tolerated before compaction, relative to live entries. */
const HEAP_SLACK_FACTOR = 2;
const HEAP_SLACK_MIN = 64;

export class LinkStateDatabase {
  private readonly records = new Map<string, StoredRecord>();
  private readonly expiry = new MinHeap<ExpiryEntry>((a, b) => a.at < b.at);
  private totalBytes = 0;

  /** `selfId`: room for our own record is always kept, so a full database never refuses it. */
  constructor(private readonly maxRecords: number, private readonly maxBytes: number, private readonly selfId: string) {}

  get size(): number {
    return this.records.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  get(origin: string): StoredRecord | undefined {
    return this.records.get(origin);
  }

  values(): IterableIterator<StoredRecord> {
    return this.records.values();
  }

  /** Stores or replaces; throws ROUTING_LIMIT when a bound would be passed. */
  put(rec: StoredRecord): void {
    const old = this.records.get(rec.origin);
    const roomForSelf = rec.origin !== this.selfId && !this.records.has(this.selfId);
    if (old === undefined && this.records.size + (roomForSelf ? 1 : 0) >= this.maxRecords) {
      throw new SkeinError(ErrorCodes.ROUTING_LIMIT, `link-state database full (${this.maxRecords} records): record of ${rec.origin} refused`);
    }
    const bytes = this.totalBytes - (old?.bytes.byteLength ?? 0) + rec.bytes.byteLength;
    if (bytes + (roomForSelf ? MAX_RECORD_BYTES : 0) > this.maxBytes) {
      throw new SkeinError(ErrorCodes.ROUTING_LIMIT, `link-state database full (${this.maxBytes} bytes): record of ${rec.origin} refused`);
    }
    this.records.set(rec.origin, rec);
    this.totalBytes = bytes;
    this.expiry.push({ at: rec.expiresAtMs, origin: rec.origin, sequence: rec.sequence });
    if (this.expiry.size > HEAP_SLACK_FACTOR * this.records.size + HEAP_SLACK_MIN) {
      this.expiry.filter((x) => this.records.get(x.origin)?.sequence === x.sequence);
    }
  }

  remove(origin: string): StoredRecord | undefined {
    const rec = this.records.get(origin);
    if (rec === undefined) return undefined;
    this.records.delete(origin);
    this.totalBytes -= rec.bytes.byteLength;
    return rec;
  }

  /** When the next record falls due, in wall time (Infinity if none). */
  nextExpiryAt(): number {
    return this.expiry.peek()?.at ?? Infinity;
  }

  /** Removes and returns the records whose lifetime ended by `nowMs` (wall time). */
  expire(nowMs: number): StoredRecord[] {
    const out: StoredRecord[] = [];
    for (let top = this.expiry.peek(); top !== undefined && top.at <= nowMs; top = this.expiry.peek()) {
      this.expiry.pop();
      const rec = this.records.get(top.origin);
      if (rec !== undefined && rec.sequence === top.sequence && rec.expiresAtMs <= nowMs) {
        this.remove(top.origin);
        out.push(rec);
      }
    }
    return out;
  }
}
