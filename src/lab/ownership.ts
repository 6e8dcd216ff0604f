/**
 * Which labs a process may remove without being asked: the ones it built
 * (its pid in the state file), and abandoned ones of its own kind — built by
 * the same command (the state's owner), whose builder process is gone.
 * Anything else belongs to someone else; only an operator's `lab down`
 * removes it.
 *
 * A pid reused by an unrelated process makes a lab look alive: the safe way
 * to be wrong, since the lab is then left for `lab down`.
 */
import type { LabContext } from './lab.js';
import { LabPaths, readLabState, type LabState } from './state.js';
import { destroyLab, type TeardownReport } from './teardown.js';

export type IsRunning = (pid: number) => boolean;

/** True while a process with this pid exists (EPERM: it exists, owned by another user). */
export function processIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function isBuiltBy(state: LabState | undefined, pid: number): boolean {
  return state !== undefined && state.builderPid === pid;
}

/** Built by `owner`, and its builder is gone (and is not the asking process). */
export function isAbandoned(state: LabState | undefined, owner: string, isRunning: IsRunning, selfPid = process.pid): boolean {
  return state !== undefined && state.owner === owner && state.builderPid !== selfPid && !isRunning(state.builderPid);
}

/** The lab's state, or undefined when there is none or it cannot be read (then it is nobody's to remove here). */
export function readStateQuietly(name: string, ctx: LabContext): LabState | undefined {
  try {
    return readLabState(new LabPaths(ctx.root, name));
  } catch {
    return undefined;
  }
}

/** Remove the lab if this process (pid) built it; undefined when it did not (nothing is touched). */
export async function destroyLabBuiltBy(name: string, pid: number, ctx: LabContext): Promise<TeardownReport | undefined> {
  return isBuiltBy(readStateQuietly(name, ctx), pid) ? destroyLab(name, ctx) : undefined;
}

export interface AbandonedLab {
  builderPid: number;
  report: TeardownReport;
}

/** Remove the lab if `owner` built it and its builder is gone; undefined otherwise (nothing is touched). */
export async function removeAbandonedLab(name: string, owner: string, ctx: LabContext, isRunning: IsRunning = processIsRunning): Promise<AbandonedLab | undefined> {
  const state = readStateQuietly(name, ctx);
  if (!state || !isAbandoned(state, owner, isRunning)) return undefined;
  return { builderPid: state.builderPid, report: await destroyLab(name, ctx) };
}
