/**
 * The table of authenticated links, keyed by `peer id | via` (via: the
 * interface of a link-local link, or `static`), with the duplicate
 * tie-break (tiebreak.ts) applied on every adoption: at most one link per
 * node pair per via, and both ends keep the same one.
 *
 * It holds links and decides; closing the losing channel, events and
 * counters are the caller's (node/link-manager.ts).
 */
import { resolveDuplicate } from './tiebreak.js';

/** What the table needs of a link. */
export interface TableLink {
  readonly key: string;
  readonly weDialed: boolean;
  /** Monotonic ms at open: of two links dialed by the same node, the newer wins. */
  readonly openedAtMono: number;
}

/** The key of a link to `idText` over `via`. */
export function linkKey(idText: string, via: string): string {
  return `${idText}|${via}`;
}

export type Adoption<L> =
  /** The new link is in the table; `displaced` (if any) is the duplicate it replaced, to be closed. */
  | { kept: 'new'; displaced: L | undefined }
  /** A link already in the table wins: the new one is to be closed. */
  | { kept: 'existing'; existing: L };

export class LinkTable<L extends TableLink> {
  private readonly links = new Map<string, L>();

  constructor(private readonly localId: Uint8Array) {}

  get size(): number {
    return this.links.size;
  }

  get(key: string): L | undefined {
    return this.links.get(key);
  }

  has(key: string): boolean {
    return this.links.has(key);
  }

  /** True while `link` is the one the table holds for its key. */
  holds(link: L): boolean {
    return this.links.get(link.key) === link;
  }

  values(): L[] {
    return [...this.links.values()];
  }

  /** Add a newly authenticated link to the peer with id `peerId`, resolving a duplicate. */
  adopt(link: L, peerId: Uint8Array): Adoption<L> {
    const existing = this.links.get(link.key);
    if (existing !== undefined) {
      const decision = resolveDuplicate(this.localId, peerId, { weDialed: existing.weDialed, openedAt: existing.openedAtMono }, { weDialed: link.weDialed, openedAt: link.openedAtMono });
      if (decision === 'keep-existing') return { kept: 'existing', existing };
    }
    this.links.set(link.key, link);
    return { kept: 'new', displaced: existing };
  }

  /** Forget `link` if the table still holds it (a link it replaced keeps the key's new holder). */
  remove(link: L): boolean {
    if (!this.holds(link)) return false;
    this.links.delete(link.key);
    return true;
  }
}
