/**
 * The kernel's word that links or addresses changed, from an rtnetlink
 * socket the TUN addon opens in this process's network namespace. Its
 * messages are never parsed: each readable batch only says "list the
 * interfaces again" (discovery/interface-watcher.ts), so nothing in them can
 * mislead the node, and a message larger than the read size is simply cut.
 */
import type { InterfaceChangeFeed } from '../discovery/index.js';
import { loadAddon } from '../dataplane/tun-addon.js';

/** Bytes read per message; link messages are ~1.1 KiB, and only their arrival matters. */
const MESSAGE_READ_BYTES = 8192;
/** Messages drained per wake-up: a burst beyond it is the next wake-up, still one listing. */
const MESSAGES_PER_WAKEUP = 16;

/** Throws (no addon, or no netlink in this kernel) where the interfaces must be polled instead. */
export const kernelInterfaceChanges: InterfaceChangeFeed = {
  watch(onChange) {
    const addon = loadAddon();
    const fd = addon.openLinkEvents();
    let reader;
    try {
      reader = addon.startReader(fd, MESSAGE_READ_BYTES, new Uint32Array(MESSAGES_PER_WAKEUP), () => onChange(), 0, 0);
    } catch (err) {
      addon.close(fd);
      throw err;
    }
    return () => {
      addon.stopReader(reader);
      addon.close(fd);
    };
  },
};
