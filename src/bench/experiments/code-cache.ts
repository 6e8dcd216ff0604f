/**
 * Every variant's daemons start with a V8 code cache made by their own
 * flags. The launcher (bin/code-cache.js) keeps one cache per set of node
 * flags and, when a start finds none, writes one a few seconds after the
 * start. Unprimed, a variant with new flags would start from source while
 * the baseline starts from a cache, and all four daemons would serialise
 * their caches at once in the middle of the idle pings. So the run points
 * every daemon at a cache directory of its own (SKEIN_CACHE_DIR, in the lab's
 * directory, removed with it) and, before a flag set's first measured
 * start, starts its daemons once and waits for the cache to be written.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Lab } from '../../lab/lab.js';

export const CODE_CACHE_ENV = 'SKEIN_CACHE_DIR';
/** The launcher saves a daemon's cache 5 s after the start; this leaves room on a loaded machine. */
export const CODE_CACHE_WAIT_MS = 12_000;
const POLL_MS = 200;
const CACHE_SUFFIX = '.v8cache';

export function codeCacheDir(lab: Lab): string {
  const dir = join(lab.dir, 'code-cache');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

export function cacheFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => f.endsWith(CACHE_SUFFIX)).sort();
  } catch {
    return [];
  }
}

/** Wait (bounded) until `dir` holds a cache file that `before` did not; whether one appeared. */
export async function waitForNewCache(dir: string, before: readonly string[], timeoutMs = CODE_CACHE_WAIT_MS, signal?: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (signal?.aborted) return false;
    if (cacheFiles(dir).some((f) => !before.includes(f))) return true;
    await sleep(POLL_MS);
  }
  return false;
}
