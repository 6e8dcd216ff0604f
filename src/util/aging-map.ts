/**
 * A Map for state about strangers (pure): at most `maxSize` entries, least
 * recently written evicted first, and every entry forgotten `ttlMs` after it
 * was last written. Time is passed in (monotonic ms), so a table filled by a
 * flood of forged keys both stops growing at its bound and empties again
 * once the flood ends.
 */
export class AgingMap<K, V> {
  /** Insertion order = write order: the first entry is the oldest written. */
  private readonly map = new Map<K, { value: V; writtenAt: number }>();
  private evictedCount = 0;
  private expiredCount = 0;

  constructor(readonly maxSize: number, readonly ttlMs: number) {
    if (!Number.isInteger(maxSize) || maxSize < 1) throw new RangeError(`AgingMap: maxSize must be a positive integer, got ${maxSize}`);
    if (!(ttlMs > 0)) throw new RangeError(`AgingMap: ttlMs must be positive, got ${ttlMs}`);
  }

  get size(): number {
    return this.map.size;
  }

  /** Entries dropped because the map was full, and because they aged out. */
  get evicted(): number {
    return this.evictedCount;
  }

  get expired(): number {
    return this.expiredCount;
  }

  /** The value if written within ttlMs of `nowMs` (reading does not refresh it). */
  get(key: K, nowMs: number): V | undefined {
    const e = this.map.get(key);
    if (e === undefined) return undefined;
    if (nowMs - e.writtenAt >= this.ttlMs) {
      this.map.delete(key);
      this.expiredCount++;
      return undefined;
    }
    return e.value;
  }

  has(key: K, nowMs: number): boolean {
    return this.get(key, nowMs) !== undefined;
  }

  /** Write (or rewrite) an entry: it becomes the newest and lives ttlMs from now. */
  set(key: K, value: V, nowMs: number): void {
    this.map.delete(key);
    this.map.set(key, { value, writtenAt: nowMs });
    this.sweep(nowMs);
    while (this.map.size > this.maxSize) {
      const oldest = this.map.keys().next();
      if (oldest.done === true) break;
      this.map.delete(oldest.value);
      this.evictedCount++;
    }
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  /**
   * Drop aged-out entries from the old end. Entries are in write order, so
   * this stops at the first live one: amortised O(1) per write.
   */
  sweep(nowMs: number): void {
    for (const [key, e] of this.map) {
      if (nowMs - e.writtenAt < this.ttlMs) break;
      this.map.delete(key);
      this.expiredCount++;
    }
  }
}
