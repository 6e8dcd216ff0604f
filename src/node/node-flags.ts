/**
 * Node.js (V8) flags a long-running daemon should be started with.
 *
 * `--initial-old-space-size=64`: the packet path allocates few long-lived
 * objects but many short-lived read buffers, and the daemon's whole heap is
 * ~15 MB. With V8's default sizing the old generation's limit sits just
 * above that, so full mark-compact collections ran two or three times a
 * second under load (12-17 % of each daemon's CPU in profiles during
 * iperf3 across 3 hops). With a 64 MB initial old generation none ran in a
 * 30 s transfer (213 scavenges, 0 mark-compacts) and garbage collection fell
 * to ~3 % of the CPU. The heap stays ~15 MB: this moves a limit, it does not
 * reserve memory.
 *
 * V8 reads heap sizing only at start-up and Node refuses this flag in
 * NODE_OPTIONS, so it goes on the node command line: bin/skein.js's
 * `#!/usr/bin/env -S node …` line (an installed `skein`, deploy/skein.service)
 * and the lab's daemon launcher.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = Object.freeze(['--initial-old-space-size=64']);
