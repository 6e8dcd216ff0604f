/**
 * `skein hosts`: the members as a hosts-file block, for machines that do not
 * use the node's DNS responder. Delimited so a script can replace the block
 * in /etc/hosts idempotently:
 *
 *   # BEGIN skein prod
 *   fd12:3456:789a:11:2233:4455:6677:8899 alpha.prod.skein
 *   # END skein
 */
import { isValidLabel } from '../identity/names.js';
import { zoneFor } from './zone.js';

export interface HostsMember {
  /** Node name (a DNS label). */
  name: string;
  /** Address text. */
  address: string;
}

/**
 * One line per member, sorted by name; a name that is not a DNS label
 * (impossible for a certified member, but this renders input) is skipped,
 * and so is a second member with the same name.
 */
export function hostsBlock(members: readonly HostsMember[], clusterName: string, zone = zoneFor(clusterName)): string {
  return [`# BEGIN skein ${clusterName}`, ...hostsLines(members, zone), '# END skein', ''].join('\n');
}

/** The block's lines without its markers (the daemon's managed block in /etc/hosts has its own: dns/hosts-file.ts). */
export function hostsLines(members: readonly HostsMember[], zone: string): string[] {
  const seen = new Set<string>();
  return [...members]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .filter((m) => isValidLabel(m.name) && !seen.has(m.name) && seen.add(m.name))
    .map((m) => `${m.address} ${m.name}.${zone}`);
}
