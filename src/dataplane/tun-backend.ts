/**
 * What a Linux TUN needs from native code, behind one small interface so
 * two implementations can be measured against each other with the same
 * device class on top (docs/dataplane.md, "Addon or FFI": the N-API addon in
 * native/tun.c is the one shipped; a koffi FFI + worker-thread backend lives
 * in src/dataplane/bench/ for the comparison).
 */
import type { ReadRoom } from './tun-device.js';

export interface TunBackend {
  readonly kind: string;
  /** Open /dev/net/tun and attach it to interface `name` (IFF_TUN | IFF_NO_PI), non-blocking. */
  open(name: string): { fd: number; name: string };
  /**
   * Start readiness-driven, batched reads: `onBatch` gets up to `batch`
   * packets per call, each its own view the receiver owns, with `room`
   * spare bytes around it. Returns stop.
   */
  startReader(fd: number, maxPacket: number, batch: number, room: ReadRoom, onBatch: (packets: Uint8Array[]) => void): () => Promise<void>;
  /** Write each packet; returns how many the kernel took (refusals are skipped, not thrown). */
  write(fd: number, packets: Uint8Array[]): number;
  /** errno of the most recent refused write (0 if none), for logs. */
  lastWriteErrno(): number;
  close(fd: number): void;
}

/** A native failure with its errno (what tun-linux.ts turns into a typed SkeinError). */
export interface ErrnoFailure {
  errno?: number;
  message: string;
}

export function isErrnoFailure(err: unknown): err is ErrnoFailure {
  return typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string';
}
