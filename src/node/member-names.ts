/**
 * Turning a name into a member, the same way at every node.
 *
 * Two valid certificates can carry one name (a CA that issued it twice, an
 * intermediate allowed `web-*` issuing a second `web-1`). Taking the nearest
 * would let whoever sits closer capture the name, and two nodes would
 * disagree about who `web-1` is. The rule depends on the certificates only:
 *
 *   the member whose node certificate begins latest (notBefore) holds the
 *   name; on equal times, the lower node id.
 *
 * The newer certificate wins because re-issuing a name to a new key is how
 * an operator moves it; the stale key should then be revoked, which ends
 * the conflict. Every name held by more than one member is a conflict,
 * reported once each time its set of members changes.
 */
import type { NameConflict } from '../control/protocol.js';

export interface NamedMember {
  name: string;
  id: string;
  /** When the member's node certificate begins (ms since the epoch). */
  certifiedSinceMs: number;
}


/** Negative when `a` holds the name ahead of `b`. */
export function compareNameClaims(a: NamedMember, b: NamedMember): number {
  if (a.certifiedSinceMs !== b.certifiedSinceMs) return b.certifiedSinceMs - a.certifiedSinceMs;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export class MemberNames<T extends NamedMember> {
  private byName = new Map<string, T[]>();
  private conflictKeys = new Map<string, string>();

  /** Index the current members; returns the conflicts that are new or whose members changed. */
  update(members: readonly T[]): NameConflict[] {
    const byName = new Map<string, T[]>();
    for (const m of members) {
      const list = byName.get(m.name);
      if (list === undefined) byName.set(m.name, [m]);
      else list.push(m);
    }
    const changed: NameConflict[] = [];
    const keys = new Map<string, string>();
    for (const [name, list] of byName) {
      if (list.length < 2) continue;
      list.sort(compareNameClaims);
      const key = list.map((m) => m.id).join(',');
      keys.set(name, key);
      if (this.conflictKeys.get(name) !== key) changed.push(conflictOf(name, list));
    }
    this.byName = byName;
    this.conflictKeys = keys;
    return changed;
  }

  /** The member that holds `name`, or undefined. */
  resolve(name: string): T | undefined {
    return this.byName.get(name)?.[0];
  }

  /** True when another member claims this member's name too. */
  inConflict(name: string): boolean {
    return this.conflictKeys.has(name);
  }

  conflicts(): NameConflict[] {
    return [...this.conflictKeys.keys()].map((name) => conflictOf(name, this.byName.get(name) ?? []));
  }
}

function conflictOf(name: string, sorted: readonly NamedMember[]): NameConflict {
  return { name, holder: sorted[0]?.id ?? '', members: sorted.map((m) => m.id) };
}
