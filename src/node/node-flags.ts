/**
 * Node.js (V8) flags a long-running daemon should be started with.
 *
 * `--initial-old-space-size=64`: the packet path allocates few long-lived
 * objects but many short-lived read buffers, and the daemon's whole heap is
 * small. With V8's default sizing the old generation's limit sits just above
 * it, so under load full mark-compact collections run several times a second
 * and take a large share of the CPU. A 64 MB initial old generation leaves
 * the short-lived buffers to the cheap scavenges. The heap stays as small:
 * this moves a limit, it does not reserve memory.
 *
 * `--expose-gc`: gives the data plane V8's collector, so it can ask for a
 * young-generation collection after every few megabytes of packets
 * (dataplane/gc-pacer.ts) instead of letting dead packet buffers pile up.
 *
 * V8 reads heap sizing only at start-up and Node refuses this flag in
 * NODE_OPTIONS, so it goes on the node command line: bin/skein.js's
 * `#!/usr/bin/env -S node …` line (an installed `skein`, deploy/skein.service)
 * and the lab's daemon launcher.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = Object.freeze(['--initial-old-space-size=64', '--expose-gc']);
