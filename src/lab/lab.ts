/**
 * A handle on one existing lab: its layout (recomputed from the state file),
 * its directories, and the operations on it (run programs in nodes, cut,
 * heal, impair, inspect, tear down). Any process can open a lab by name.
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCodes, isSkeinError, SkeinError } from '../util/errors.js';
import { execInNamespace, spawnInNamespace, type ExecOptions, type ExecResult } from './exec.js';
import { clearImpairmentCommands, impairCommands, type Impairment } from './impairment.js';
import { inspectLab, linkState, readEndpoint, type InterfaceInfo, type LinkState, type LiveLab } from './inspect.js';
import { findLink, layoutLab, nodeInterfaces, resolveNode, type Endpoint, type LabLayout, type LinkLayout } from './layout.js';
import { DEFAULT_LAB_NAME, SWITCH_NODE, validateLabName } from './naming.js';
import { setLinkCommands, type Command } from './plan.js';
import { checkPrivileges, checkTools } from './preflight.js';
import { execFileRunner, type CommandRunner } from './runner.js';
import { LabPaths, labRoot, readLabState, type LabState } from './state.js';
import { destroyLab, existingLabNames, labNamespaces, type TeardownReport } from './teardown.js';
import { generateTopology, type TopologyKind } from './topology.js';

/** How long `heal` waits for both ends to be up with their link-local addresses back. */
export const LINK_READY_TIMEOUT_MS = 5_000;
export const LINK_READY_POLL_MS = 25;

export interface LabContextOptions {
  /** Directory holding lab directories; default $SKEIN_LAB_DIR or /run/skein-lab. */
  root?: string;
  runner?: CommandRunner;
}

export interface LabContext {
  root: string;
  runner: CommandRunner;
}

export function labContext(opts: LabContextOptions = {}): LabContext {
  return { root: opts.root ?? labRoot(), runner: opts.runner ?? execFileRunner };
}

export interface LabStatus extends LiveLab {
  name: string;
  topology: TopologyKind;
  nodeCount: number;
  seed?: number;
  dir: string;
  createdAt: string;
  /** False while being built, or when its builder died midway. */
  complete: boolean;
}

export class Lab {
  readonly layout: LabLayout;
  readonly paths: LabPaths;

  constructor(readonly state: LabState, private readonly ctx: LabContext) {
    const spec = { kind: state.topology, nodes: state.nodes, ...(state.seed !== undefined ? { seed: state.seed } : {}) };
    this.layout = layoutLab(state.name, generateTopology(spec));
    this.paths = new LabPaths(ctx.root, state.name);
  }

  get name(): string {
    return this.state.name;
  }

  /** The lab's directory: state file and per-node directories. */
  get dir(): string {
    return this.paths.dir;
  }

  /** Node names, n1 … nN. */
  get nodes(): string[] {
    return this.layout.nodes.map((n) => n.name);
  }

  /** Per-node directory (config, logs); created by `up`. */
  nodeDir(node: string): string {
    resolveNode(this.layout, node);
    return this.paths.nodeDir(node);
  }

  namespace(node: string): string {
    return resolveNode(this.layout, node);
  }

  /** The node's lab interfaces, each with the node at the other end. */
  interfaces(node: string): Array<Endpoint & { peer: string }> {
    return nodeInterfaces(this.layout, node);
  }

  link(a: string, b: string): LinkLayout {
    return findLink(this.layout, a, b);
  }

  /** Run a program inside a node to completion (exit code passed through). */
  exec(node: string, argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return execInNamespace(this.namespace(node), argv, opts);
  }

  /** Start a program inside a node; the caller owns (and must stop) the child. */
  spawnIn(node: string, argv: readonly string[], opts: SpawnOptions = {}): ChildProcess {
    return spawnInNamespace(this.namespace(node), argv, opts);
  }

  /** Take the link down at both ends: frames stop, the interfaces lose their addresses. */
  async cut(a: string, b: string): Promise<LinkLayout> {
    const link = this.link(a, b);
    await this.runAll(setLinkCommands(link, 'down'));
    return link;
  }

  /** Bring the link back up at both ends and wait until its link-local addresses are usable again. */
  async heal(a: string, b: string): Promise<LinkLayout> {
    const link = this.link(a, b);
    await this.runAll(setLinkCommands(link, 'up'));
    await this.waitLinkUp(link);
    return link;
  }

  async impair(a: string, b: string, impairment: Impairment): Promise<LinkLayout> {
    const link = this.link(a, b);
    const commands = impairCommands(link, impairment);
    await checkTools(this.ctx.runner, ['tc']);
    try {
      await this.runAll(commands);
    } catch (err) {
      if (isSkeinError(err, ErrorCodes.LAB) && /qdisc kind is unknown/i.test(err.message)) {
        throw new SkeinError(
          ErrorCodes.LAB_UNSUPPORTED,
          `this kernel has no netem qdisc (sch_netem), so --delay and --loss cannot be applied here (--rate alone works, through tbf)`,
        );
      }
      throw err;
    }
    return link;
  }

  async clearImpairment(a: string, b: string): Promise<LinkLayout> {
    const link = this.link(a, b);
    await checkTools(this.ctx.runner, ['tc']);
    for (const command of clearImpairmentCommands(link)) {
      try {
        await this.ctx.runner.run(command);
      } catch (err) {
        if (!isSkeinError(err, ErrorCodes.LAB)) throw err; // nothing to delete is fine
      }
    }
    return link;
  }

  /** What the kernel has now: interfaces, link-local addresses, link states, impairments. */
  async status(): Promise<LabStatus> {
    const live = await inspectLab(this.layout, this.ctx.runner);
    const s = this.state;
    return { name: s.name, topology: s.topology, nodeCount: s.nodes, ...(s.seed !== undefined ? { seed: s.seed } : {}), dir: this.dir, createdAt: s.createdAt, complete: s.complete, ...live };
  }

  /** The live state of one link, read from its two ends only. */
  async linkState(a: string, b: string): Promise<{ state: LinkState; ends: Array<InterfaceInfo | undefined> }> {
    const link = this.link(a, b);
    const ends = await Promise.all([link.a, link.b].map((end) => readEndpoint(this.ctx.runner, end)));
    return { state: linkState(ends[0], ends[1]), ends };
  }

  /** Remove everything the lab made (processes inside it too). */
  down(): Promise<TeardownReport> {
    return destroyLab(this.name, this.ctx);
  }

  private async waitLinkUp(link: LinkLayout): Promise<void> {
    const deadline = Date.now() + LINK_READY_TIMEOUT_MS;
    for (;;) {
      const ends = await Promise.all([link.a, link.b].map((end) => readEndpoint(this.ctx.runner, end)));
      // Switch ports carry no address of their own (see plan.ts); node ends need their link-local back.
      const addressed = [link.a, link.b].every((end, i) => end.node === SWITCH_NODE || ends[i]?.linkLocal !== undefined);
      if (linkState(ends[0], ends[1]) === 'up' && addressed) return;
      if (Date.now() > deadline) throw new SkeinError(ErrorCodes.LAB, `link ${link.a.node}—${link.b.node} did not come back up within ${LINK_READY_TIMEOUT_MS} ms`);
      await sleep(LINK_READY_POLL_MS);
    }
  }

  private async runAll(commands: Command[]): Promise<void> {
    for (const command of commands) await this.ctx.runner.run(command);
  }
}

/**
 * The lab to act on: the one named, or — with no name — the only lab that
 * exists (an error listing them when there are several, or none).
 */
export async function resolveLabName(name: string | undefined, ctx: LabContext): Promise<string> {
  if (name !== undefined) return validateLabName(name);
  const labs = await existingLabNames(ctx.root, ctx.runner);
  if (labs.length === 1) return labs[0] as string;
  if (labs.length === 0) throw new SkeinError(ErrorCodes.LAB_NOT_FOUND, `no lab exists (build one with: skein lab up; default name '${DEFAULT_LAB_NAME}')`);
  throw new SkeinError(ErrorCodes.USAGE, `several labs exist (${labs.join(', ')}): choose one with --name`);
}

/** Open an existing lab by name (or the only one). */
export async function openLab(name?: string, opts: LabContextOptions = {}): Promise<Lab> {
  const ctx = labContext(opts);
  checkPrivileges();
  await checkTools(ctx.runner, ['ip']);
  const resolved = await resolveLabName(name, ctx);
  const state = readLabState(new LabPaths(ctx.root, resolved));
  if (state) return new Lab(state, ctx);
  if ((await labNamespaces(ctx.runner, resolved)).length > 0) {
    throw new SkeinError(
      ErrorCodes.LAB_NOT_FOUND,
      `lab '${resolved}' has namespaces but no state file in ${ctx.root} (its builder may have crashed): remove its leftovers with: skein lab down --name ${resolved}`,
    );
  }
  throw new SkeinError(ErrorCodes.LAB_NOT_FOUND, `no lab named '${resolved}' (state directory ${ctx.root})`);
}
