/**
 * Where a lab keeps what it knows between processes:
 *
 *   <root>/<lab>/state.json        name, topology spec, who built it, when
 *   <root>/<lab>/nodes/<node>/     per-node files (config, logs) for later use
 *
 * <root> is /run/skein-lab (tmpfs: a reboot, which also removes namespaces,
 * clears it) or $SKEIN_LAB_DIR. The lab directory is claimed with a
 * non-recursive mkdir, so two builders of one name cannot both proceed.
 * The state file is written atomically and validated when read.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { writeFileAtomic } from '../util/files.js';
import { LAB_NAME_MAX_LENGTH } from './naming.js';
import { MAX_LAB_NODES, TOPOLOGY_KINDS } from './topology.js';

export const DEFAULT_LAB_ROOT = '/run/skein-lab';
export const LAB_ROOT_ENV = 'SKEIN_LAB_DIR';
export const STATE_FILE = 'state.json';
export const NODES_DIR = 'nodes';
export const STATE_VERSION = 1;
export const LAB_OWNER_MAX_LENGTH = 16;
/** A state file is a few hundred bytes; refuse anything absurd before parsing. */
const MAX_STATE_BYTES = 64 * 1024;

const stateSchema = z.object({
  version: z.literal(STATE_VERSION),
  name: z.string().regex(/^[a-z][a-z0-9]*$/).max(LAB_NAME_MAX_LENGTH),
  topology: z.enum(TOPOLOGY_KINDS),
  nodes: z.number().int().min(1).max(MAX_LAB_NODES),
  seed: z.number().int().min(0).max(0xffff_ffff).optional(),
  createdAt: z.string().max(64),
  builderPid: z.number().int().positive(),
  /** The command that built the lab (e.g. 'demo'), so it can recognise its own leftovers later. */
  owner: z.string().regex(/^[a-z]+$/).max(LAB_OWNER_MAX_LENGTH).optional(),
  /** False while `up` is still building (or if it died midway). */
  complete: z.boolean(),
});

export type LabState = z.infer<typeof stateSchema>;

export function labRoot(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[LAB_ROOT_ENV];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_LAB_ROOT;
}

/** The files of one lab. */
export class LabPaths {
  readonly dir: string;
  readonly stateFile: string;

  constructor(readonly root: string, readonly name: string) {
    this.dir = join(root, name);
    this.stateFile = join(this.dir, STATE_FILE);
  }

  nodeDir(node: string): string {
    return join(this.dir, NODES_DIR, node);
  }
}

/** Take the lab directory for a new lab; a LAB_EXISTS error when it is already there. */
export function claimLabDir(paths: LabPaths): void {
  mkdirSync(paths.root, { recursive: true, mode: 0o755 });
  try {
    mkdirSync(paths.dir, { mode: 0o755 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new SkeinError(ErrorCodes.LAB_EXISTS, `lab '${paths.name}' already exists (${paths.dir}); remove it first with: skein lab down --name ${paths.name}`);
    }
    throw new SkeinError(ErrorCodes.LAB, `${paths.dir}: cannot create: ${(err as Error).message}`, { cause: err });
  }
}

export function makeNodeDirs(paths: LabPaths, nodes: readonly string[]): void {
  for (const node of nodes) mkdirSync(paths.nodeDir(node), { recursive: true, mode: 0o755 });
}

export function writeLabState(paths: LabPaths, state: LabState): void {
  writeFileAtomic(paths.stateFile, `${JSON.stringify(state, null, 2)}\n`, { force: true });
}

/** The lab's state, or undefined when it has no state file. */
export function readLabState(paths: LabPaths): LabState | undefined {
  let text: string;
  try {
    text = readFileSync(paths.stateFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SkeinError(ErrorCodes.FILE_FORMAT, `${paths.stateFile}: cannot read: ${(err as Error).message}`);
  }
  if (text.length > MAX_STATE_BYTES) throw new SkeinError(ErrorCodes.FILE_FORMAT, `${paths.stateFile}: larger than ${MAX_STATE_BYTES} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new SkeinError(ErrorCodes.FILE_FORMAT, `${paths.stateFile}: not JSON: ${(err as Error).message}`);
  }
  const parsed = stateSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SkeinError(ErrorCodes.FILE_FORMAT, `${paths.stateFile}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`);
  }
  if (parsed.data.name !== paths.name) {
    throw new SkeinError(ErrorCodes.FILE_FORMAT, `${paths.stateFile}: names lab '${parsed.data.name}', expected '${paths.name}'`);
  }
  return parsed.data;
}

/** Names of the lab directories under root (whether or not they hold a state file yet). */
export function labDirNames(root: string): string[] {
  try {
    return readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

export function removeLabDir(paths: LabPaths): void {
  rmSync(paths.dir, { recursive: true, force: true });
}
