/**
 * Sequence numbers of a node's own records never go backwards, even across
 * restarts, or the rest of the mesh would ignore the restarted node's new
 * records as replays until the old ones expired.
 *
 * The rule: next = max(last + 1, now in ms). Deriving from the wall clock
 * means a node that lost its persisted value (or never had one) still starts
 * above anything it sent before, as long as its clock did not go back; the
 * daemon also persists the last value (the router reports every new one in a
 * `sequence` action) and passes it back at start, which covers a clock that
 * did. Should both fail, the router recovers on its own: when a neighbour
 * hands it a validly signed record of its own with a higher sequence, it
 * jumps above that and re-originates (router.ts).
 *
 * Milliseconds since the epoch stay below 2^53 (the wire's u64 limit for a
 * safe integer) for 285,000 years, and one origination per ms is far above
 * the origination rate limit.
 */
export function nextSequence(lastPersisted: number, nowMs: number): number {
  const floor = Number.isSafeInteger(lastPersisted) && lastPersisted >= 0 ? lastPersisted + 1 : 1;
  return Math.max(floor, Math.floor(nowMs));
}
