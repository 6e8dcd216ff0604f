/** Tells when the kernel's interfaces may have changed. `watch` throws when it cannot; it returns stop. */
export interface InterfaceChangeFeed {
  watch(onChange: () => void): () => void;
}

/**
 * One subscription to `feed` for every watcher: the daemon's interface
 * watcher and its TUN device both follow the same kernel events, and each
 * would otherwise open a socket of its own and be woken for each event
 * twice. The subscription starts with the first watcher and stops with the
 * last; a watcher that cannot subscribe gets the feed's error, as alone.
 */
export function sharedInterfaceChanges(feed: InterfaceChangeFeed): InterfaceChangeFeed {
  const watchers = new Set<() => void>();
  let stopFeed: (() => void) | undefined;
  return {
    watch(onChange) {
      stopFeed ??= feed.watch(() => { for (const w of [...watchers]) w(); });
      const watcher = (): void => onChange();
      watchers.add(watcher);
      return () => {
        if (!watchers.delete(watcher) || watchers.size > 0) return;
        stopFeed?.();
        stopFeed = undefined;
      };
    },
  };
}
