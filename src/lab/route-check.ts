/**
 * Routes against the truth: a lab knows its graph (its links, less the ones
 * cut), so every node's member list can be checked against shortest paths
 * over it. Used by the fault tests and the soak to say when a mesh has
 * converged after a fault, and that no stale route survived it.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { adminCall } from '../control/client.js';
import type { MemberInfo } from '../control/protocol.js';
import type { Lab } from './lab.js';

/** A link as "nA~nB", ends in node order. */
export const linkKey = (a: string, b: string): string => [a, b].sort((x, y) => Number(x.slice(1)) - Number(y.slice(1))).join('~');

/** Marks a problem that is only a longer path than the shortest (see routeProblems). */
export const LONGER_PATH = 'longer path: ';

/** Hop distances from `from` to every node it can reach over `links` (BFS). */
export function hopDistances(nodes: readonly string[], links: ReadonlySet<string>, from: string): Map<string, number> {
  const adjacent = new Map<string, string[]>(nodes.map((n) => [n, []]));
  for (const k of links) {
    const [a, b] = k.split('~') as [string, string];
    adjacent.get(a)?.push(b);
    adjacent.get(b)?.push(a);
  }
  const dist = new Map<string, number>([[from, 0]]);
  const queue = [from];
  while (queue.length > 0) {
    const n = queue.shift() as string;
    for (const m of adjacent.get(n) ?? []) {
      if (!dist.has(m)) {
        dist.set(m, (dist.get(n) ?? 0) + 1);
        queue.push(m);
      }
    }
  }
  return dist;
}

/**
 * Everything wrong with one node's member list against the true graph: a
 * member missing, a stale member (one it cannot reach), a path over a link
 * that is down, a hop count that is not the shortest. Empty: converged.
 *
 * Only the last is not an error in itself: routes follow measured costs,
 * and a link that just came up starts at a cautious cost until its RTT is
 * measured (routing/cost.ts), so for a few seconds a longer path can be the
 * cheaper one. Such problems start with LONGER_PATH.
 */
export function routeProblems(node: string, list: readonly MemberInfo[], nodes: readonly string[], links: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const dist = hopDistances(nodes, links, node);
  const nameOfId = new Map(list.map((m) => [m.id, m.name]));
  const listed = new Map(list.map((m) => [m.name, m]));
  for (const [target, hops] of dist) {
    const m = listed.get(target);
    if (!m) { problems.push(`${node}: no route to ${target}`); continue; }
    if (m.hops !== hops) problems.push(`${LONGER_PATH}${node}: ${target} at ${m.hops} hops, shortest is ${hops}`);
    let prev = node;
    for (const id of m.path) {
      const hop = nameOfId.get(id) ?? id.slice(0, 8);
      if (!links.has(linkKey(prev, hop))) { problems.push(`${node}: route to ${target} uses ${prev}—${hop}, not a live link`); break; }
      prev = hop;
    }
  }
  for (const m of list) if (!dist.has(m.name)) problems.push(`${node}: stale route to unreachable ${m.name}`);
  return problems;
}

export const nodeMembers = async (lab: Lab, node: string): Promise<MemberInfo[]> => (await adminCall(join(lab.nodeDir(node), 'skein.sock'), 'nodes', {}, 2_000)) as MemberInfo[];

/** Problems over the given nodes (default every node); an admin socket that does not answer counts as one. */
export async function meshRouteProblems(lab: Lab, links: ReadonlySet<string>, nodes: readonly string[] = lab.nodes): Promise<string[]> {
  const all: string[] = [];
  for (const n of nodes) {
    try {
      all.push(...routeProblems(n, await nodeMembers(lab, n), lab.nodes, links));
    } catch (err) {
      all.push(`${n}: admin API: ${(err as Error).message}`);
    }
  }
  return all;
}

export interface Convergence {
  /** Every member routed, none stale, no path over a dead link: traffic can flow everywhere. */
  reachableMs: number;
  /** And every route as short (in hops) as the graph allows. */
  shortestMs: number;
}

/**
 * Poll until every node's routes match the graph; returns when it first had
 * every route (reachable) and when every route was also a shortest one.
 * Throws after `timeoutMs` with the remaining problems (a liveness bound).
 * `onProgress` sees the problems at most once a second while they last.
 */
export async function waitConverged(
  lab: Lab, links: ReadonlySet<string>, timeoutMs: number,
  opts: { nodes?: readonly string[]; pollMs?: number; onProgress?: (elapsedMs: number, problems: string[]) => void } = {},
): Promise<Convergence> {
  const started = Date.now();
  let problems: string[] = [];
  let lastShown = started;
  let reachableMs: number | undefined;
  while (Date.now() - started <= timeoutMs) {
    problems = await meshRouteProblems(lab, links, opts.nodes ?? lab.nodes);
    if (reachableMs === undefined && problems.every((p) => p.startsWith(LONGER_PATH))) reachableMs = Date.now() - started;
    if (problems.length === 0) return { reachableMs: reachableMs ?? Date.now() - started, shortestMs: Date.now() - started };
    if (opts.onProgress && Date.now() - lastShown >= 1000) {
      lastShown = Date.now();
      opts.onProgress(lastShown - started, problems);
    }
    await sleep(opts.pollMs ?? 100);
  }
  throw new Error(`routes did not converge within ${timeoutMs} ms${reachableMs === undefined ? '' : ` (every member was reachable after ${reachableMs} ms)`}: ${problems.slice(0, 8).join('; ')}${problems.length > 8 ? ` (+${problems.length - 8} more)` : ''}`);
}
