/**
 * V8's collector as `--expose-gc` gives it to JavaScript (one of the daemon's
 * Node flags: node/node-flags.ts), or undefined without the flag.
 *
 * The exposed `gc` reads its argument differently across Node releases. On
 * Node 20 any truthy argument, the options object `{ type: 'major' }`
 * included, runs a young-generation scavenge; later releases read the
 * object's `type`. So a full collection is only ever asked for with no
 * argument, which is a mark-compact on every release, and a young one with
 * `{ type: 'minor' }`, which is a scavenge on every release.
 */
type ExposedGc = (options?: { type: 'minor' }) => void;

function exposedGc(): ExposedGc | undefined {
  const gc = (globalThis as { gc?: ExposedGc }).gc;
  return typeof gc === 'function' ? gc : undefined;
}

/** Runs one full (mark-compact) collection of the whole heap, or undefined without `--expose-gc`. */
export function exposedFullCollector(): (() => void) | undefined {
  const gc = exposedGc();
  return gc === undefined ? undefined : () => gc();
}

/** Runs one young-generation collection (a scavenge), or undefined without `--expose-gc`. */
export function exposedMinorCollector(): (() => void) | undefined {
  const gc = exposedGc();
  return gc === undefined ? undefined : () => gc({ type: 'minor' });
}
