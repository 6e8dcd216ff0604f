/**
 * Whether a network interface still exists, for noticing a TUN device
 * deleted under a running node (`ip link del skein0`). The kernel then
 * detaches the device from our fd: reads stop (the poll reports an error
 * once and libuv stops it), writes fail with EBADFD, and nothing else says
 * so. /proc/self/net/dev lists the interfaces of the reading process's own
 * network namespace (unlike /sys/class/net, which shows the namespace sysfs
 * was mounted in), and reading it costs a few microseconds.
 *
 * With the kernel's interface events (node/interface-changes.ts) the list
 * is read when the kernel says a link changed, and every
 * TUN_PRESENCE_BACKSTOP_MS anyway; without them, every TUN_PRESENCE_POLL_MS.
 */
import { readFileSync } from 'node:fs';
import type { InterfaceChangeFeed } from '../util/interface-change-feed.js';

export const NET_DEV_PATH = '/proc/self/net/dev';
/** How often a running device checks it still exists, without interface events. */
export const TUN_PRESENCE_POLL_MS = 1_000;
/** How often it checks anyway while interface events arrive. */
export const TUN_PRESENCE_BACKSTOP_MS = 5_000;

/** Interface names in /proc/net/dev text ("  name: counters…" lines after two header lines). */
export function interfaceNames(netDev: string): Set<string> {
  const names = new Set<string>();
  for (const line of netDev.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0 || line.includes('|')) continue;
    names.add(line.slice(0, colon).trim());
  }
  return names;
}

export type NetDevReader = () => string;

export const readNetDev: NetDevReader = () => readFileSync(NET_DEV_PATH, 'utf8');

export interface PresenceWatchOptions {
  read?: NetDevReader;
  /** Interface events; when they cannot start, the list is polled every `pollMs`. */
  changes?: InterfaceChangeFeed;
  pollMs?: number;
  backstopMs?: number;
}

/**
 * Calls `onGone` once, when `name` is no longer listed (or the list cannot
 * be read). Returns stop. The timer never keeps the process alive.
 */
export function watchInterfacePresence(name: string, onGone: (reason: string) => void, opts: PresenceWatchOptions = {}): () => void {
  const read = opts.read ?? readNetDev;
  let stopEvents: (() => void) | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let done = false;
  const stop = (): void => {
    done = true;
    clearInterval(timer);
    stopEvents?.();
    stopEvents = undefined;
  };
  const check = (): void => {
    if (done) return;
    let reason: string | undefined;
    try {
      if (!interfaceNames(read()).has(name)) reason = `interface ${name} no longer exists`;
    } catch (err) {
      reason = `cannot read ${NET_DEV_PATH}: ${(err as Error).message}`;
    }
    if (reason === undefined) return;
    stop();
    onGone(reason);
  };
  try {
    stopEvents = opts.changes?.watch(check);
  } catch {
    stopEvents = undefined; // no events here: the poll below does it alone
  }
  const every = stopEvents === undefined ? (opts.pollMs ?? TUN_PRESENCE_POLL_MS) : (opts.backstopMs ?? TUN_PRESENCE_BACKSTOP_MS);
  timer = setInterval(check, every);
  timer.unref();
  return stop;
}
