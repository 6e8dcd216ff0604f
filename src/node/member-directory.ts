/**
 * The reachable members (and this node) by node id, by name and by
 * address: one index, rebuilt only when the routing database changes
 * (routing-host.ts), read by everything that turns a name or an id into a
 * member: the admin API and the library (`resolve`), probes, DNS answers,
 * the hosts block and the TUN's address book.
 *
 * A name two members claim resolves by member-names.ts's rule, the same at
 * every node, never by distance.
 */
import type { MemberInfo, NameConflict } from '../control/protocol.js';
import { isNodeIdText } from '../identity/index.js';
import { MemberNames } from './member-names.js';

export class MemberDirectory {
  private readonly names = new MemberNames<MemberInfo>();
  private byId = new Map<string, MemberInfo>();
  private byAddress = new Map<string, MemberInfo>();
  private list: readonly MemberInfo[] = [];

  /** Index the current members; returns the name conflicts that are new or whose members changed. */
  update(members: readonly MemberInfo[]): NameConflict[] {
    const conflicts = this.names.update(members);
    for (const m of members) m.nameConflict = this.names.inConflict(m.name);
    this.list = members;
    this.byId = new Map(members.map((m) => [m.id, m]));
    this.byAddress = new Map(members.map((m) => [m.address, m]));
    return conflicts;
  }

  /** A member by node id (32 hex characters) or by name. */
  resolve(target: string): MemberInfo | undefined {
    return isNodeIdText(target) ? this.byId.get(target) : this.names.resolve(target);
  }

  /** The member a key-derived address (RFC 5952 text) belongs to. */
  byAddressText(address: string): MemberInfo | undefined {
    return this.byAddress.get(address);
  }

  /** Each name once, with the member that holds it (what DNS answers and the hosts block lists). */
  holders(): MemberInfo[] {
    return this.list.filter((m) => this.names.resolve(m.name) === m);
  }

  /** Every member but this node. */
  others(): MemberInfo[] {
    return this.list.filter((m) => !m.self);
  }

  inConflict(name: string): boolean {
    return this.names.inConflict(name);
  }

  conflicts(): NameConflict[] {
    return this.names.conflicts();
  }
}
