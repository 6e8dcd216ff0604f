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
 * Node refuses this flag in NODE_OPTIONS, so it goes on the node command
 * line: bin/skein.js's `#!/usr/bin/env -S node …` line (an installed `skein`,
 * deploy/skein.service) and the lab's daemon launcher.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = Object.freeze(['--expose-gc']);
