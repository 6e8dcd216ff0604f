/**
 * Bounded concurrency for per-namespace work (teardown, status): quick for a
 * 250-node lab without starting hundreds of `ip` processes at once.
 */
export const NAMESPACE_CONCURRENCY = 8;

/** Run fn over items with at most `limit` at a time; results in input order. */
export async function forEachLimited<T, R>(items: readonly T[], fn: (item: T) => Promise<R>, limit = NAMESPACE_CONCURRENCY): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
