/**
 * What a Linux TUN needs from native code, behind one small interface so
 * the device class on top does not depend on how the syscalls are made
 * (the N-API addon in native/tun.c is the one shipped; src/bench/bench-tun.ts
 * measures it).
 */
import type { NativeTunFilter, ReadRoom } from './tun-device.js';

export interface TunBackend {
  readonly kind: string;
  /** Open /dev/net/tun and attach it to interface `name` (IFF_TUN | IFF_NO_PI), non-blocking. */
  open(name: string): { fd: number; name: string };
  /**
   * Start readiness-driven, batched reads: `onBatch` gets up to `batch`
   * packets per call, each its own view the receiver owns, with `room`
   * spare bytes around it. A `filter` is offered each packet first, in
   * native code; what it takes never reaches `onBatch`. Returns stop.
   */
  startReader(fd: number, maxPacket: number, batch: number, room: ReadRoom, onBatch: (packets: Uint8Array[]) => void, filter?: NativeTunFilter): () => Promise<void>;
  /** Write each packet; returns how many the kernel took (refusals are skipped, not thrown). */
  write(fd: number, packets: Uint8Array[]): number;
  /** errno of the most recent refused write (0 if none), for logs. */
  lastWriteErrno(): number;
  close(fd: number): void;
}
