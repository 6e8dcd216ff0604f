/**
 * Routing messages through the router's receive path (routing/router.ts ->
 * receive.ts: rate limits, decode, record and revocation checks with real
 * certificates and signatures, flooding, summaries, acks), as anna hearing
 * her neighbour bert. Seeds are what bert really sent anna on a line
 * anna - bert - cleo (fixtures/routing.ts). Invariants: receive never throws;
 * every stored record's origin is a certified member (signatures cannot be
 * forged); a member revoked by an accepted list is gone; the database stays
 * within maxRecords and maxDatabaseBytes; routes lead only to stored origins;
 * our sequence number never goes back.
 */
import { cluster, FUZZ_NOW_MS } from '../fixtures/cluster.js';
import { makeRouter } from '../fixtures/routing.js';
import { splitMessages } from '../engine/messages.js';
import { describe, Finding, type FuzzTarget, invariant } from '../engine/target.js';

/** Virtual time between two messages: enough to refill the per-neighbour budgets now and then. */
const MESSAGE_GAP_MS = 40;
const MAX_MESSAGES = 24;

const STAT_LABELS = ['recordsAccepted', 'recordsDuplicate', 'recordsOlder', 'recordsRejected', 'revocationListsAccepted', 'rateLimited', 'ownRecordConflicts', 'protocolErrors', 'purgedRevoked'] as const;

export const routingTarget: FuzzTarget = {
  name: 'routing',
  description: 'routing/router.ts receive(): updates, summaries, acks and revocation lists from a neighbour, real signatures',
  maxInputBytes: 64 * 1024,
  run(input) {
    const c = cluster();
    const [anna, bert] = c.members;
    const router = makeRouter(anna!);
    const members = new Set(c.members.map((m) => m.key.idText));
    const revoked = c.members[3]!.key.idText;
    router.linkUp(bert!.key.idText, FUZZ_NOW_MS, { cost: 10 });
    const startSequence = router.lastSequence;
    const kinds = new Set<string>();
    let now = FUZZ_NOW_MS;
    for (const m of splitMessages(input, MAX_MESSAGES)) {
      now += MESSAGE_GAP_MS;
      let actions;
      try {
        actions = router.receive(bert!.key.idText, m, now);
      } catch (err) {
        throw new Finding('untyped-throw', `Router.receive threw ${describe(err)}`, { cause: err });
      }
      for (const a of actions) if (a.type === 'rejected') kinds.add(`rej:${a.code}`);
    }
    router.tick(now + 1_000);
    const opts = router.options;
    const db = router.database();
    invariant(db.records <= opts.maxRecords && db.bytes <= opts.maxDatabaseBytes, `database ${db.records} records / ${db.bytes} bytes over its bounds`);
    const origins = new Set(router.recordSequences().keys());
    for (const o of origins) invariant(members.has(o), `stored a record of ${o}, which no CA certified`);
    if (router.stats.revocationListsAccepted > 0) invariant(!origins.has(revoked), 'a revoked member\'s record survived its revocation list');
    for (const dest of router.routes().keys()) invariant(origins.has(dest), `a route to ${dest}, which has no record`);
    invariant(router.lastSequence >= startSequence, `our sequence went back from ${startSequence} to ${router.lastSequence}`);
    const s = router.stats;
    for (const k of STAT_LABELS) if (s[k] > 0) kinds.add(k);
    kinds.add(`routes${router.routes().size}`);
    return [...kinds].sort().join(',');
  },
};
