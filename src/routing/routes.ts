/**
 * Route computation over the database, and what follows from it: origins
 * no longer reachable are marked, and removed once they stay unreachable for
 * `unreachableGraceMs` (a short partition heals without a full resync; a
 * node that left disappears well within its record's lifetime).
 *
 * The graph: an edge u → v counts only when u's record lists v AND v's
 * record lists u (a node cannot invent a link to someone else). Our own
 * edges come from our live links, so a link that went down stops carrying
 * routes at once, before our next record is out.
 */
import { listsNeighbour } from './database.js';
import { changedRoutes, type GraphView, type Route, shortestPaths } from './spf.js';
import type { RouterState } from './state.js';

function graphOf(state: RouterState): GraphView {
  const self = state.self.idText;
  const db = state.db;
  return {
    forEachEdge(u, visit) {
      if (u === self) {
        for (const n of state.links.values()) {
          const rec = db.get(n.id);
          if (rec !== undefined && listsNeighbour(rec, self)) visit(n.id, n.cost);
        }
        return;
      }
      const rec = db.get(u);
      if (rec === undefined) return;
      const ids = rec.neighbourIds;
      for (let i = 0; i < ids.length; i++) {
        const v = ids[i] as string;
        if (v === self) continue; // edges into self never improve a path from self
        const back = db.get(v);
        if (back !== undefined && listsNeighbour(back, u)) visit(v, rec.neighbourCosts[i] as number);
      }
    },
  };
}

export function recomputeRoutes(state: RouterState, nowMs: number): void {
  state.spfDueAtMs = Infinity;
  state.spfDone(nowMs);
  const started = state.cpuClock?.();
  const routes = shortestPaths(state.self.idText, graphOf(state));
  if (started !== undefined && state.cpuClock !== undefined) {
    const ms = state.cpuClock() - started;
    state.stats.spfTotalMs += ms;
    state.stats.spfWorstMs = Math.max(state.stats.spfWorstMs, ms);
  }
  state.stats.spfRuns++;
  const changed = changedRoutes(state.routes, routes);
  state.routes = routes;
  markUnreachable(state, routes, nowMs);
  if (changed.length > 0) state.emit({ type: 'routes-changed', routes, changed });
}

function markUnreachable(state: RouterState, routes: ReadonlyMap<string, Route>, nowMs: number): void {
  let next = Infinity;
  for (const rec of state.db.values()) {
    if (rec.origin === state.self.idText || routes.has(rec.origin)) {
      delete rec.unreachableSinceMs;
      continue;
    }
    rec.unreachableSinceMs ??= nowMs;
    next = Math.min(next, rec.unreachableSinceMs + state.opts.unreachableGraceMs);
  }
  state.nextPurgeAtMs = next;
}

/** Removes records whose origin stayed unreachable for the grace period. */
export function purgeUnreachable(state: RouterState, nowMs: number): void {
  let next = Infinity;
  for (const rec of [...state.db.values()]) {
    if (rec.unreachableSinceMs === undefined) continue;
    const due = rec.unreachableSinceMs + state.opts.unreachableGraceMs;
    if (due <= nowMs) {
      state.db.remove(rec.origin);
      state.stats.purgedUnreachable++;
    } else {
      next = Math.min(next, due);
    }
  }
  state.nextPurgeAtMs = next;
}
