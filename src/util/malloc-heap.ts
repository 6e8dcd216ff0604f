/**
 * The C allocator's heap, as far as the daemon needs to see it: how much it
 * holds free and in use, and a way to give that back to the kernel; and the
 * executable's pages that start-up left mapped (why both matter:
 * native/heap.c). Loaded from the addon built by `npm ci`; where it was not
 * built, or the C library is not glibc, there is nothing to trim.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface MallocHeap {
  /** Free bytes held inside the allocator's arenas (-1: the C library does not say). */
  freeBytes(): number;
  /** Bytes the process holds allocated, mmapped chunks included (-1: the C library does not say). */
  inUseBytes(): number;
  /** Return free pages to the kernel; true if any went. */
  trim(): boolean;
  /**
   * Drop the executable's clean mapped pages from this process (those in use
   * come back on first touch, from the page cache); bytes dropped, -1 if
   * /proc/self/smaps cannot be read.
   */
  releaseProgramPages(): number;
}

/** Where node-gyp puts the addon, relative to src/util/, dist/util/ or dist/bundle/. */
const ADDON_PATH = fileURLToPath(new URL('../../build/Release/skein_heap.node', import.meta.url));

/** The native heap, or undefined (with nothing to do about it) when the addon is missing. */
export function loadMallocHeap(): MallocHeap | undefined {
  try {
    return createRequire(import.meta.url)(ADDON_PATH) as MallocHeap;
  } catch {
    return undefined;
  }
}
