/**
 * Originating our own record: our current links and costs, the next
 * sequence number, signed with our key, stored like any other record and
 * flooded to every neighbour. Skipped when nothing changed, unless a refresh
 * is due or a conflicting copy of our record was seen (`forceOriginate`).
 */
import { MAX_NEIGHBOURS_PER_RECORD } from '../wire/routing-constants.js';
import { type RecordNeighbour, signRecord } from '../wire/routing-record.js';
import type { StoredRecord } from './database.js';
import { nextSequence } from './sequence.js';
import type { RouterState } from './state.js';

/** Our neighbours as a record lists them: by id; past the bound, the cheapest links are kept. */
function currentNeighbours(state: RouterState): RecordNeighbour[] {
  let list = [...state.links.values()].map((n) => ({ id: n.id, cost: n.cost }));
  if (list.length > MAX_NEIGHBOURS_PER_RECORD) {
    list = list.sort((a, b) => a.cost - b.cost || (a.id < b.id ? -1 : 1)).slice(0, MAX_NEIGHBOURS_PER_RECORD);
  }
  return list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function sameNeighbours(rec: StoredRecord, list: readonly RecordNeighbour[]): boolean {
  return rec.neighbourIds.length === list.length && list.every((n, i) => n.id === rec.neighbourIds[i] && n.cost === rec.neighbourCosts[i]);
}

export function originate(state: RouterState, nowMs: number): void {
  const { self, opts } = state;
  const neighbours = currentNeighbours(state);
  const mine = state.db.get(self.idText);
  const refreshDue = nowMs >= state.refreshDueAtMs;
  state.originationDueAtMs = Infinity;
  if (mine !== undefined && !refreshDue && !state.forceOriginate && sameNeighbours(mine, neighbours)) return;
  state.forceOriginate = false;
  // Issue time and sequence are wall time (other members check them, and the
  // sequence must grow across restarts); when it was made is our monotonic time.
  const wallMs = state.wallMs(nowMs);
  const sequence = nextSequence(state.lastSequence, wallMs);
  const bytes = signRecord({ origin: self.idText, sequence, issuedAtMs: wallMs, lifetimeMs: opts.lifetimeMs, chain: self.chain, neighbours }, self.secretKey);
  state.db.put({
    origin: self.idText,
    name: self.name,
    sequence,
    issuedAtMs: wallMs,
    expiresAtMs: wallMs + opts.lifetimeMs,
    neighbourIds: neighbours.map((n) => n.id),
    neighbourCosts: neighbours.map((n) => n.cost),
    bytes,
    keyIds: [self.idText],
    receivedAtMs: nowMs,
    arrivalTokens: opts.recordBurst - 1,
  });
  state.lastSequence = sequence;
  state.refreshDueAtMs = nowMs + opts.refreshIntervalMs;
  state.stats.originations++;
  state.floodRecord(self.idText, undefined, nowMs);
  state.emit({ type: 'sequence', sequence });
}
