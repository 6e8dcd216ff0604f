/**
 * `lab up`: build a lab from a spec, or leave nothing behind.
 *
 *   claim <root>/<lab>/ → state (complete: false) → refuse leftovers
 *   → namespaces → links → wait for link-local addresses → state (complete: true)
 *
 * Any failure, or an abort (Ctrl-C in the CLI), tears down what was built
 * so far, by name. A kill -9 midway leaves namespaces that `lab down` finds
 * by name.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { secureRandom } from '../util/random.js';
import { readEndpoint } from './inspect.js';
import { Lab, labContext, type LabContext, type LabContextOptions } from './lab.js';
import { layoutLab, type Endpoint, type LabLayout } from './layout.js';
import { DEFAULT_LAB_NAME, SWITCH_NODE, validateLabName } from './naming.js';
import { buildPlan } from './plan.js';
import { checkPrivileges, checkTools } from './preflight.js';
import { claimLabDir, LabPaths, makeNodeDirs, removeLabDir, writeLabState, type LabState } from './state.js';
import { destroyLab, labNamespaces } from './teardown.js';
import { generateTopology, type TopologyKind } from './topology.js';

/** With DAD off, addresses appear as links come up; this bounds the wait on a loaded machine. */
export const ADDRESS_READY_TIMEOUT_MS = 10_000;
const ADDRESS_POLL_MS = 25;

export interface LabSpec {
  /** Default 'lab'. */
  name?: string;
  topology: TopologyKind;
  nodes: number;
  /** For `random`; a random one is chosen (and recorded) when absent. */
  seed?: number;
}

export interface CreateLabOptions extends LabContextOptions {
  /** Abort the build: what was built is torn down and createLab rejects. */
  signal?: AbortSignal;
  /** Called before each build step, e.g. for progress output. */
  onStep?: (description: string, index: number, total: number) => void;
  /** The command building the lab, recorded in its state (see LabState.owner). */
  owner?: string;
  /** Skip the root/tool checks (tests with a recording runner). */
  skipPreflight?: boolean;
}

export async function createLab(spec: LabSpec, opts: CreateLabOptions = {}): Promise<Lab> {
  const ctx = labContext(opts);
  const name = validateLabName(spec.name ?? DEFAULT_LAB_NAME);
  const seed = spec.topology === 'random' ? (spec.seed ?? randomSeed()) : undefined;
  const topology = generateTopology({ kind: spec.topology, nodes: spec.nodes, ...(seed !== undefined ? { seed } : {}) });
  if (!opts.skipPreflight) {
    checkPrivileges();
    await checkTools(ctx.runner, ['ip']);
  }
  const paths = new LabPaths(ctx.root, name);
  const state: LabState = {
    version: 1,
    name,
    topology: spec.topology,
    nodes: spec.nodes,
    ...(seed !== undefined ? { seed } : {}),
    createdAt: new Date().toISOString(),
    builderPid: process.pid,
    ...(opts.owner !== undefined ? { owner: opts.owner } : {}),
    complete: false,
  };
  claimLabDir(paths);
  // Written straight after the claim, with nothing awaited between: a lab directory then always
  // names its builder, so a teardown can tell a lab this process claimed from someone else's.
  try {
    writeLabState(paths, state);
  } catch (err) {
    removeLabDir(paths);
    throw err;
  }
  const leftovers = await labNamespaces(ctx.runner, name).catch((err: unknown) => { removeLabDir(paths); throw err; });
  if (leftovers.length > 0) {
    removeLabDir(paths);
    throw new SkeinError(
      ErrorCodes.LAB_EXISTS,
      `lab '${name}' has ${leftovers.length} namespaces left over from an earlier run (${leftovers[0]}, …): remove them with: skein lab down --name ${name}`,
    );
  }
  const layout = layoutLab(name, topology);
  try {
    makeNodeDirs(paths, layout.nodes.map((n) => n.name));
    await runPlan(layout, ctx, opts);
    await waitForAddresses(layout, ctx, opts.signal);
    const done = { ...state, complete: true };
    writeLabState(paths, done);
    return new Lab(done, ctx);
  } catch (err) {
    const report = await destroyLab(name, ctx);
    if (opts.signal?.aborted) {
      throw new SkeinError(ErrorCodes.LAB, `lab up interrupted: removed the ${report.namespaces.length} namespaces built so far`, { cause: err });
    }
    throw err;
  }
}

async function runPlan(layout: LabLayout, ctx: LabContext, opts: CreateLabOptions): Promise<void> {
  const steps = buildPlan(layout);
  for (const [index, step] of steps.entries()) {
    throwIfAborted(opts.signal);
    opts.onStep?.(step.description, index, steps.length);
    for (const command of step.commands) await ctx.runner.run(command);
  }
}

/**
 * Wait until every node interface is up with a usable (non-tentative)
 * link-local address. Only the interfaces still pending are re-read, one at a
 * time: each `ip` dump takes the kernel's rtnl lock, which the kernel's own
 * address work also needs, so heavy polling would slow what it waits for.
 */
async function waitForAddresses(layout: LabLayout, ctx: LabContext, signal: AbortSignal | undefined): Promise<void> {
  const deadline = Date.now() + ADDRESS_READY_TIMEOUT_MS;
  let pending = layout.links.flatMap((link) => [link.a, link.b]).filter((end) => end.node !== SWITCH_NODE);
  for (;;) {
    throwIfAborted(signal);
    const still: Endpoint[] = [];
    for (const end of pending) {
      const info = await readEndpoint(ctx.runner, end);
      if (!(info?.adminUp && info.carrier && info.linkLocal !== undefined)) still.push(end);
    }
    pending = still;
    if (pending.length === 0) return;
    if (Date.now() > deadline) {
      const waiting = pending.slice(0, 4).map((end) => `${end.node}/${end.ifname}`).join(', ');
      throw new SkeinError(ErrorCodes.LAB, `${pending.length} lab interfaces did not get a usable link-local address within ${ADDRESS_READY_TIMEOUT_MS} ms (${waiting})`);
    }
    await sleep(ADDRESS_POLL_MS);
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new SkeinError(ErrorCodes.LAB, 'lab up interrupted');
}

function randomSeed(): number {
  return Math.floor(secureRandom.float() * 0x1_0000_0000);
}
