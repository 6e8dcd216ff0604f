/**
 * The names the node answers for: one zone per cluster, `<cluster>.skein`
 * by default (configurable suffix), with one name per member directly under
 * it: `alpha.prod.skein` is member `alpha` of cluster `prod`. `.skein` is
 * not a delegated top-level domain, so nothing on the Internet can answer
 * for it instead (the same idea as `.internal` or `.home.arpa`).
 *
 * Pure: classify a query name, nothing else.
 */
import { isValidLabel } from '../identity/names.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';

export const DEFAULT_DNS_SUFFIX = 'skein';

export type NameClass =
  | { kind: 'outside' }
  | { kind: 'apex' }
  /** A single label under the zone: possibly a member. */
  | { kind: 'member'; name: string }
  /** Under the zone but not a name we could ever have (deeper, or not a valid member label). */
  | { kind: 'nonexistent' };

/** Lowercase, no trailing dot: the form names are compared in (DNS names compare case-insensitively). */
export function normalizeName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

export function zoneFor(clusterName: string, suffix = DEFAULT_DNS_SUFFIX): string {
  const labels = [clusterName, ...normalizeName(suffix).split('.').filter((l) => l !== '')];
  for (const l of labels) {
    if (!isValidLabel(l)) throw new SkeinError(ErrorCodes.CONFIG, `dns: '${l.slice(0, 70)}' in zone '${labels.join('.')}' is not a DNS label`);
  }
  return labels.join('.');
}

export function classifyName(queryName: string, zone: string): NameClass {
  const name = normalizeName(queryName);
  if (name === zone) return { kind: 'apex' };
  if (!name.endsWith(`.${zone}`)) return { kind: 'outside' };
  const head = name.slice(0, -(zone.length + 1));
  if (head.includes('.') || !isValidLabel(head)) return { kind: 'nonexistent' };
  return { kind: 'member', name: head };
}
