/**
 * The kernel's word that links or addresses changed, from an rtnetlink
 * socket the TUN addon opens in this process's network namespace. Its
 * messages are never parsed: each readable batch only says "list the
 * interfaces again" (discovery/interface-watcher.ts), so nothing in them can
 * mislead the node, and a message larger than the read size is simply cut.
 *
 * A burst of changes larger than the socket's queue (hundreds at once)
 * overflows it: the kernel reports an error on the socket and libuv stops
 * watching it. Then a fresh socket takes its place, and since events were
 * lost, the interfaces are listed at once.
 */
import type { InterfaceChangeFeed } from '../util/interface-change-feed.js';
import { loadAddon } from '../dataplane/tun-addon.js';

/** Bytes read per message; link messages are ~1.1 KiB, and only their arrival matters. */
const MESSAGE_READ_BYTES = 8192;
/** Messages drained per wake-up: a burst beyond it is the next wake-up, still one listing. */
const MESSAGES_PER_WAKEUP = 16;

/** Throws (no addon, or no netlink in this kernel) where the interfaces must be polled instead. */
export const kernelInterfaceChanges: InterfaceChangeFeed = {
  watch(onChange) {
    const addon = loadAddon();
    let stopCurrent: (() => void) | undefined;
    let stopped = false;
    const subscribe = (): (() => void) => {
      const fd = addon.openLinkEvents();
      try {
        const reader = addon.startReader(fd, MESSAGE_READ_BYTES, new Uint32Array(MESSAGES_PER_WAKEUP), () => onChange(), 0, 0, () => {
          if (stopped) return;
          stopCurrent?.();
          try {
            stopCurrent = subscribe();
          } catch {
            // No new socket (out of descriptors): the watcher's backstop listing still runs.
            stopCurrent = undefined;
          }
          onChange();
        });
        return () => {
          addon.stopReader(reader);
          addon.close(fd);
        };
      } catch (err) {
        addon.close(fd);
        throw err;
      }
    };
    stopCurrent = subscribe();
    return () => {
      stopped = true;
      stopCurrent?.();
      stopCurrent = undefined;
    };
  },
};
