/**
 * One link per node pair per interface, decided the same way on both ends
 * without talking about it.
 *
 * Dialing: the node with the lower id dials at once; the higher one dials
 * only after a grace period with still no link (in case multicast reaches
 * only one way). So simultaneous dials are rare but possible.
 *
 * Resolving a duplicate: of two authenticated links between the same pair
 * on the same interface, keep the one dialed by the lower id. Both ends know
 * both ids and who dialed each link, so both keep the same one and close the
 * other (CLOSE code DUPLICATE). If both were dialed by the same node, that
 * node re-dialed because it believes the old link is gone (say it
 * restarted): keep the newer.
 *
 * Pure: ids in, decisions out.
 */

/** Byte-wise unsigned order of node ids (the same order as their hex text). */
export function compareNodeIds(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.byteLength === b.byteLength ? 0 : a.byteLength < b.byteLength ? -1 : 1;
}

/** True when we are the side that dials at once. */
export function dialsFirst(localId: Uint8Array, remoteId: Uint8Array): boolean {
  return compareNodeIds(localId, remoteId) < 0;
}

/** How long to wait before dialing a newly heard node: 0 for the lower id, `graceMs` for the higher. */
export function dialDelayMs(localId: Uint8Array, remoteId: Uint8Array, graceMs: number): number {
  return dialsFirst(localId, remoteId) ? 0 : graceMs;
}

/** A link as the tie-break sees it, from the local node's point of view. */
export interface LinkCandidate {
  /** True if the local node dialed (was the handshake initiator). */
  weDialed: boolean;
  /** When it became authenticated (monotonic ms), to pick the newer of two same-dialer links. */
  openedAt: number;
}

export type DuplicateDecision = 'keep-existing' | 'keep-new';

/** Which of two links to the same peer on the same interface survives. */
export function resolveDuplicate(
  localId: Uint8Array,
  remoteId: Uint8Array,
  existing: LinkCandidate,
  incoming: LinkCandidate,
): DuplicateDecision {
  if (existing.weDialed === incoming.weDialed) {
    return incoming.openedAt >= existing.openedAt ? 'keep-new' : 'keep-existing';
  }
  // The links were dialed by different nodes: keep the lower id's.
  const weAreLower = dialsFirst(localId, remoteId);
  const incomingDialedByLower = incoming.weDialed === weAreLower;
  return incomingDialedByLower ? 'keep-new' : 'keep-existing';
}
