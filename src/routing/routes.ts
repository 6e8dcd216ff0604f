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
 *
 * Edge costs, so that no member can pull traffic through itself by lying:
 *   - our own links: our own measurement (the neighbour's claim is ignored);
 *   - an edge u - v between two others: max(u's claim, v's claim), then at
 *     least minEdgeCost. Each end can only RAISE the cost of an edge it
 *     shares: a member claiming 1 us for its link to an honest node gets the
 *     honest node's measured cost, and the floor (the cost of the fastest
 *     link our own estimator would measure) bounds what two colluding
 *     members can claim for the link between them.
 * Both directions of an edge cost the same, as RTT-based costs do anyway.
 */
import { type StoredRecord, listsNeighbour } from './database.js';
import { changedRoutes, type GraphView, type Route, shortestPaths } from './spf.js';
import type { RouterState } from './state.js';

/** What `rec` claims for its edge to `id` (undefined: it does not list `id`). */
function claimedCost(rec: StoredRecord, id: string): number | undefined {
  const i = rec.neighbourIds.indexOf(id);
  return i < 0 ? undefined : rec.neighbourCosts[i];
}

function graphOf(state: RouterState): GraphView {
  const self = state.self.idText;
  const db = state.db;
  const floor = state.opts.minEdgeCost;
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
        const backCost = back === undefined ? undefined : claimedCost(back, u);
        if (backCost !== undefined) visit(v, Math.max(rec.neighbourCosts[i] as number, backCost, floor));
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
