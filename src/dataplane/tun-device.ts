/**
 * The TUN edge behind one interface, with a Linux implementation
 * (tun-linux.ts) and an in-memory double (tun-memory.ts) checked by one
 * compliance suite.
 *
 * Ownership: a batch handed to `onPackets` belongs to the receiver (the
 * bytes are never reused by the device), so a pipeline may queue packets
 * (e.g. while a session handshakes) without copying them. A device may give
 * each packet spare bytes before and after it (`readRoom`), also the
 * receiver's, so the packet can be sealed and framed in place.
 */
import type { InterfaceChangeFeed } from '../util/interface-change-feed.js';

/** Default interface name. */
export const DEFAULT_TUN_NAME = 'skein0';
/** Packets read per readiness wake-up (one JS callback at most this many). */
export const TUN_READ_BATCH = 64;
/** Linux interface names: at most 15 bytes (IFNAMSIZ - 1), no '/', no whitespace, not '.' or '..'. */
export const INTERFACE_NAME = /^(?!\.{1,2}$)[A-Za-z0-9_.-]{1,15}$/;

export interface TunStats {
  packetsRead: number;
  bytesRead: number;
  /** Read callbacks (wake-ups); packetsRead / readBatches is the mean batch. */
  readBatches: number;
  packetsWritten: number;
  /** Packets the kernel refused (EIO while down, EINVAL malformed, EAGAIN queue full). */
  writeDropped: number;
}

/** Spare bytes around each packet a device reads (see wire/frame-room.ts). */
export interface ReadRoom {
  headroom: number;
  tailroom: number;
}

export const NO_ROOM: Readonly<ReadRoom> = Object.freeze({ headroom: 0, tailroom: 0 });

export interface TunDevice {
  readonly name: string;
  readonly mtu: number;
  /** The room every packet handed to `onPackets` has around it. */
  readonly readRoom: Readonly<ReadRoom>;
  /** Set the one receiver of read batches (replaces any earlier one). */
  onPackets(cb: (batch: Uint8Array[]) => void): void;
  /** Write whole IPv6 packets; returns how many the kernel took. Never throws for a refused packet. */
  write(packets: Uint8Array[]): number;
  stats(): TunStats;
  /**
   * Be told, once, that the interface went away under the device (deleted
   * by someone else): the device then carries nothing and should be closed.
   * Optional: a device that cannot vanish (the in-memory one) has none.
   */
  onGone?(cb: (reason: string) => void): void;
  /** Stop reading and remove the interface. Idempotent. */
  close(): Promise<void>;
  /** What native code needs to read and write the device itself (a Linux device; absent for the in-memory one). */
  readonly native?: NativeTunAccess;
}

/** A native taker of read packets (made by the link addon, opaque here: native/tun-filter.h). */
export type NativeTunFilter = object;

export interface NativeTunAccess {
  readonly fd: number;
  /** Offer every packet read to `filter` first; call before onPackets. */
  setReadFilter(filter: NativeTunFilter): void;
}

export function emptyTunStats(): TunStats {
  return { packetsRead: 0, bytesRead: 0, readBatches: 0, packetsWritten: 0, writeDropped: 0 };
}

/** What the daemon asks of a TUN device when it opens one. */
export interface TunOpenRequest {
  name: string;
  mtu: number;
  /** The node's address (16 bytes). */
  address: Uint8Array;
  /** The cluster prefix routed onto the device, e.g. "fd12:3456:789a::/48". */
  prefix: string;
  readRoom: ReadRoom;
  /** The kernel's interface events, to notice the device deleted at once (else it is polled). */
  interfaceChanges?: InterfaceChangeFeed;
}

/**
 * Opens the node's TUN device: the Linux device in a real node, an
 * in-memory one in tests. Rejects with SKEIN_ERR_TUN_UNAVAILABLE when there
 * is none to have (the node then runs without the TUN data plane).
 */
export type TunFactory = (request: TunOpenRequest) => Promise<TunDevice>;
