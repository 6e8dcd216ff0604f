/**
 * Node.js (V8) flags a long-running daemon should be started with.
 *
 * `--expose-gc`: gives the data plane V8's collector, so it can ask for a
 * young-generation collection after every few megabytes of packets
 * (dataplane/gc-pacer.ts) instead of letting dead packet buffers pile up
 * outside the heap. With that pacing, packet garbage no longer reaches the
 * old generation, so V8's own old-generation sizing is left alone: a larger
 * initial old generation only let promoted garbage accumulate for tens of
 * minutes before the first full collection.
 *
 * `--compact-on-every-full-gc`: every full collection moves the live objects
 * off partly used old-generation pages and gives those pages back. By
 * default V8 compacts only pages that are mostly free, so a daemon whose old
 * generation saws between its live set and a few megabytes more (each full
 * collection, node/memory-upkeep.ts) kept the pages of every earlier peak:
 * its heap's pages grew for as long as it ran while the live set did not.
 * V8 still bounds how many bytes one collection moves, and the upkeep
 * reports what its last one cost the main thread (`lastFullCollectionPauseMs`
 * in `skein status --json`).
 *
 * Node refuses this flag in NODE_OPTIONS, so it goes on the node command
 * line: bin/skein.js's `#!/usr/bin/env -S … node …` line (an installed
 * `skein`, deploy/skein.service) and the lab's daemon launcher.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = Object.freeze(['--expose-gc', '--compact-on-every-full-gc']);

/**
 * Environment a daemon's node starts with (glibc reads it before any code
 * runs, so it cannot be set from inside), set on the same two paths as the
 * flags: bin/skein.js's `#!/usr/bin/env -S NAME=VALUE … node …` line and the
 * lab's daemon launcher.
 *
 * `MALLOC_ARENA_MAX=1`: every thread allocates from glibc's one main arena.
 * By default each of node's helper threads (V8's GC and compiler workers)
 * gets an arena of its own the first time it allocates, and under traffic
 * the young-generation collections the data plane asks for
 * (dataplane/gc-pacer.ts) run on those threads many times a second: each
 * worker's arena then stays at a megabyte or more, resident between
 * collections, and malloc_trim gives little of it back because the next
 * collection touches it again. With one arena those short-lived
 * allocations reuse the main heap's free chunks, which the memory upkeep
 * trims (node/memory-upkeep.ts). The helper threads then share one lock
 * with the main thread; they allocate little, and only during a
 * collection.
 */
export const DAEMON_ENV: Readonly<Record<string, string>> = Object.freeze({ MALLOC_ARENA_MAX: '1' });
