/**
 * A Map with a maximum size that evicts the least recently used entry
 * (pure). Map keeps insertion order, so "use" = delete + re-insert and the
 * first key is always the oldest.
 */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();

  constructor(private readonly maxSize: number, private readonly onEvict: () => void = () => {}) {}

  get size(): number {
    return this.map.size;
  }

  /** Get and mark as most recently used. */
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  /** Insert or replace as most recently used, evicting the oldest entries beyond maxSize. */
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.maxSize) {
      const oldest = this.map.keys().next();
      if (oldest.done === true) break;
      this.map.delete(oldest.value);
      this.onEvict();
    }
  }

  delete(key: K): void {
    this.map.delete(key);
  }
}
