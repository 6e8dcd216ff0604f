/**
 * Discovery's fixed numbers, in one place.
 *
 * Group ff02::114: the IANA IPv6 multicast registry sets FF0X::114 aside
 * "for experiments" (RFC 4727) at every scope; it is the one link-local
 * group that belongs to no registered protocol, so using it takes nothing
 * from anyone. Other unregistered protocols use it too (Yggdrasil on UDP
 * 9001): that is harmless, the kernel delivers by UDP port and every
 * datagram must still be a valid signed Skein advertisement. RFC 3692 asks
 * that experimental numbers not ship as defaults in products: a permanent
 * IANA group is the step before a wide release (the group is configurable).
 *
 * UDP port 7460: unassigned in the IANA service-name and port registry
 * (7444-7470 are unassigned), and the same number as the default TCP link
 * port (src/node/config.ts DEFAULT_LINK_PORT), so one number names Skein on
 * a firewall: 7460/udp for discovery, 7460/tcp for links.
 */
export const DISCOVERY_GROUP = 'ff02::114';
export const DISCOVERY_PORT = 7460;

/** Advertise on each interface about this often... */
export const DEFAULT_ADVERTISE_INTERVAL_MS = 2000;
/** ...give or take this fraction of the interval, so nodes do not fall into step. */
export const DEFAULT_ADVERTISE_JITTER = 0.25;
/** How often the interface list is polled: a new interface is used within this long. */
export const DEFAULT_INTERFACE_POLL_MS = 1000;
/**
 * An advertisement whose timestamp is further than this from our clock, in
 * either direction, is stale. Generous because it only bounds how long a
 * captured advertisement can be replayed; the counter stops replays inside it.
 */
export const DEFAULT_FRESHNESS_WINDOW_MS = 60_000;

/** Per source address: sustained advertisements per second, and burst. */
export const DEFAULT_SOURCE_RATE_PER_SECOND = 5;
export const DEFAULT_SOURCE_BURST = 10;
/**
 * Per source address, signature checks of advertisements from keys not yet
 * verified from that address: a stranger's fair share of the shared budget.
 * An honest node advertises every interval (2 s) plus a few answers.
 */
export const DEFAULT_STRANGER_SOURCE_RATE_PER_SECOND = 0.5;
export const DEFAULT_STRANGER_SOURCE_BURST = 2;
/** All strangers together: caps signature checks per second (CPU bound). */
export const DEFAULT_GLOBAL_RATE_PER_SECOND = 500;
export const DEFAULT_GLOBAL_BURST = 1000;
/** Keys verified from their source lately, together: a separate budget strangers cannot spend. */
export const DEFAULT_KNOWN_RATE_PER_SECOND = 500;
export const DEFAULT_KNOWN_BURST = 1000;
/** A (key, source) pair stays known this long after its last verified advertisement. */
export const KNOWN_ADVERTISER_MEMORY_MS = 5 * 60_000;
/** Bounded tables: source addresses with a rate bucket, keys with replay state (and known pairs). */
export const DEFAULT_MAX_SOURCES = 1024;
export const DEFAULT_MAX_KEYS = 1024;
/** Boots (instances) remembered per key for replay checks. */
export const MAX_INSTANCES_PER_KEY = 4;

/** Linux interface flags as /sys/class/net/IF/flags prints them (include/uapi/linux/if.h). */
export const IFF_UP = 0x1;
export const IFF_LOOPBACK = 0x8;
export const IFF_MULTICAST = 0x1000;
/** IFNAMSIZ - 1. */
export const MAX_INTERFACE_NAME_BYTES = 15;
