/**
 * The C allocator's heap, as far as the daemon needs to see it: how much it
 * holds free and in use, and a way to give that back to the kernel; and the
 * executable's pages that start-up left mapped (why both matter:
 * native/heap.c), with the count of resident file pages that says when
 * dropping them again is worth it. Loaded from the addon built by `npm ci`; where it was not
 * built, or the C library is not glibc, there is nothing to trim.
 */
import { readFileSync } from 'node:fs';
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

/**
 * Bytes of file-backed pages resident in this process (the executable's code
 * and read-only data, shared libraries, addons), or -1 where /proc cannot
 * say. Cheap enough to read every few seconds, unlike the per-mapping walk
 * of /proc/self/smaps that dropping pages takes.
 */
export function residentFileBytes(): number {
  try {
    const kib = /^RssFile:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kib === undefined ? -1 : Number(kib) * 1024;
  } catch {
    return -1;
  }
}
