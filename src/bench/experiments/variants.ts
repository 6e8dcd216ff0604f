/**
 * The latency and memory experiments' variants: one change at a time to how the
 * daemons are started (Node.js/V8 flags, libuv's environment, CPU
 * affinity), each applied from outside when the bench spawns them. The
 * daemon itself reads none of this: the flags go on node's command line,
 * the environment is libuv's own, and affinity comes from `taskset`.
 *
 * Node 20's V8 (11.3) has Sparkplug on, concurrent Sparkplug off and
 * Maglev off by default, and lets the young generation's semi-spaces grow
 * to 16 MiB here; Node 20's libuv leaves io_uring off unless
 * UV_USE_IO_URING=1. A variant that spells a default out is there to show
 * what "no change" measures like. The daemons start with the daemon's own
 * environment (node/node-flags.ts, one malloc arena); a variant's
 * environment is applied over it.
 */
import type { MeshOptions } from '../../lab/mesh.js';
import { ErrorCodes, SkeinError } from '../../util/errors.js';

export interface Variant {
  name: string;
  /** What the change could do to an idle packet's way through four daemons on two cores. */
  why: string;
  /** Node.js (V8) flags after the daemon's own. */
  nodeFlags?: readonly string[];
  /** Environment for every daemon (libuv reads these at start). */
  env?: Readonly<Record<string, string>>;
  /** CPUs (a taskset list) by node position, repeating: ['0'] pins all to CPU 0, ['0', '1'] alternates. */
  affinity?: readonly string[];
}

export const BASELINE = 'baseline';

export const VARIANTS: readonly Variant[] = [
  { name: BASELINE, why: 'the daemons exactly as the bench starts them' },
  { name: 'single-threaded-gc', nodeFlags: ['--single-threaded-gc'], why: 'no GC helper threads to wake: all collection work stays on the main thread' },
  { name: 'semi-space-1', nodeFlags: ['--max-semi-space-size=1'], why: 'a 1 MiB young generation: more, shorter scavenges' },
  { name: 'semi-space-16', nodeFlags: ['--max-semi-space-size=16'], why: "16 MiB semi-spaces, V8's own ceiling on a 64-bit machine with this much memory: the default's limit, spelled out" },
  { name: 'no-lazy-feedback', nodeFlags: ['--no-lazy-feedback-allocation'], why: 'feedback vectors from the first call: a fresh path can tier up after fewer packets' },
  { name: 'concurrent-sparkplug', nodeFlags: ['--concurrent-sparkplug'], why: 'baseline compilation on a background thread instead of the main one' },
  { name: 'no-sparkplug', nodeFlags: ['--no-sparkplug'], why: 'no baseline tier: is it what warms the path after a start?' },
  { name: 'always-sparkplug', nodeFlags: ['--always-sparkplug'], why: 'baseline code at once: a just-started path skips the interpreter' },
  { name: 'maglev', nodeFlags: ['--maglev'], why: 'the mid-tier optimiser: hot packet code optimised sooner and cheaper than by TurboFan' },
  { name: 'interrupt-budget-8k', nodeFlags: ['--interrupt-budget=8192'], why: 'tier-up checks after an eighth of the bytecode executed: a packet path that sees a few packets a second reaches optimized code sooner' },
  { name: 'max-lazy', nodeFlags: ['--max-lazy'], why: "V8's eager-compilation hints ignored: less compiled when the code loads, more on first calls" },
  { name: 'no-lazy', nodeFlags: ['--no-lazy'], why: "every function compiled when its script loads: nothing left to compile on a packet's first trip" },
  { name: 'defaults-spelled-out', nodeFlags: ['--sparkplug', '--no-concurrent-sparkplug', '--no-maglev'], why: "Node 20's defaults as flags: what no change measures like" },
  { name: 'io-uring-on', env: { UV_USE_IO_URING: '1' }, why: "libuv's io_uring (file operations, batched epoll_ctl); off by default in Node 20" },
  { name: 'io-uring-off', env: { UV_USE_IO_URING: '0' }, why: "libuv's default in Node 20, spelled out" },
  { name: 'threadpool-1', env: { UV_THREADPOOL_SIZE: '1' }, why: "one libuv worker thread instead of four: fewer threads on two cores" },
  { name: 'malloc-arena-1', env: { MALLOC_ARENA_MAX: '1' }, why: "one glibc malloc arena for every thread, the daemon's own setting (node/node-flags.ts), spelled out" },
  { name: 'malloc-arenas-per-thread', env: { MALLOC_ARENA_MAX: '64' }, why: "glibc's default back (a ceiling above node's thread count): V8's and libuv's worker threads keep arenas of their own" },
  { name: 'malloc-arena-2', env: { MALLOC_ARENA_MAX: '2' }, why: 'two glibc malloc arenas: the main thread and the workers mostly apart, without one arena per thread' },
  { name: 'optimize-for-size', nodeFlags: ['--optimize-for-size'], why: "V8's memory-over-speed mode: smaller heap growth steps and young generation, more compaction" },
  { name: 'flush-baseline-code', nodeFlags: ['--flush-baseline-code'], why: 'baseline code that has not run for a few collections is dropped like bytecode is: start-up code stops holding the heap' },
  { name: 'pin-cpu0', affinity: ['0'], why: 'every daemon on CPU 0: wake-ups stay on one core and its caches, but four daemons share it' },
  { name: 'pin-alternate', affinity: ['0', '1'], why: 'neighbouring daemons on different CPUs (n1, n3 on 0; n2, n4 on 1): each hop wakes the other core' },
];

/** How one variant reaches the daemons of `nodes` (in line order): the lab's start options. */
export type Launch = Required<Pick<MeshOptions, 'nodeFlags' | 'env' | 'wrapper'>>;

export function launchOf(variant: Variant, nodes: readonly string[], extraEnv: Readonly<Record<string, string>> = {}): Launch {
  const env: Record<string, NodeJS.ProcessEnv> = {};
  const wrapper: Record<string, readonly string[]> = {};
  nodes.forEach((node, i) => {
    env[node] = { ...extraEnv, ...variant.env };
    const cpus = variant.affinity?.[i % variant.affinity.length];
    if (cpus !== undefined) wrapper[node] = ['taskset', '-c', cpus];
  });
  return { nodeFlags: variant.nodeFlags ?? [], env, wrapper };
}

/** The CPU list each node's daemon is pinned to, or null when the variant pins none. */
export function affinityOf(variant: Variant, nodes: readonly string[]): Record<string, string> | null {
  if (!variant.affinity) return null;
  return Object.fromEntries(nodes.map((node, i) => [node, variant.affinity![i % variant.affinity!.length]!]));
}

/**
 * The variants to run, in order: the baseline first and again last (its two
 * runs show the run-to-run noise), the chosen others between them in the
 * table's order. `only` names variants (the baseline may be among them).
 */
export function runOrder(only?: readonly string[]): Variant[] {
  const baseline = VARIANTS.find((v) => v.name === BASELINE)!;
  if (only) {
    const unknown = only.filter((n) => !VARIANTS.some((v) => v.name === n));
    if (unknown.length > 0) throw new SkeinError(ErrorCodes.USAGE, `unknown variant${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${VARIANTS.map((v) => v.name).join(', ')})`);
  }
  const middle = VARIANTS.filter((v) => v !== baseline && (only === undefined || only.includes(v.name)));
  return [baseline, ...middle, baseline];
}

/** Variants that start node with the same flags share a code cache (bin/code-cache.js keys it by node's flags). */
export function flagsKey(variant: Variant): string {
  return (variant.nodeFlags ?? []).join(' ');
}
