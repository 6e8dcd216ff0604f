/** Peers and rule sets for the firewall tests: identities as their verified certificates give them. */
import { firewallSchema, type FirewallSettings } from '../../src/dataplane/firewall/rules.js';
import type { FirewallPeer } from '../../src/dataplane/firewall/match.js';

const id = (c: string) => c.repeat(32);
export const WEB: FirewallPeer = { idText: id('a'), name: 'web1', groups: ['web'] };
export const DB: FirewallPeer = { idText: id('b'), name: 'db1', groups: ['db'] };
export const OPS: FirewallPeer = { idText: id('c'), name: 'ops1', groups: ['admin', 'web'] };
export const PLAIN: FirewallPeer = { idText: id('d'), name: 'plain', groups: [] };
export const PEERS = [WEB, DB, OPS, PLAIN];

/** Key-derived addresses of the peers (for packets; the firewall never reads them). */
export const ADDRESS: Record<string, string> = {
  [WEB.idText]: 'fd12:3456:789a:aaaa::1',
  [DB.idText]: 'fd12:3456:789a:bbbb::1',
  [OPS.idText]: 'fd12:3456:789a:cccc::1',
  [PLAIN.idText]: 'fd12:3456:789a:dddd::1',
};
/** This node's address. */
export const US = 'fd12:3456:789a:eeee::1';

export const from = (p: FirewallPeer) => ({ src: ADDRESS[p.idText]!, dst: US });
export const to = (p: FirewallPeer) => ({ src: US, dst: ADDRESS[p.idText]! });

/** Settings from the TOML-shaped tables (the schema the config uses). */
export function settings(raw: { inbound?: unknown[]; outbound?: unknown[]; conntrack?: Record<string, number> }): FirewallSettings {
  return firewallSchema.parse(raw);
}

export const lookupPeer = (idText: string) => PEERS.find((p) => p.idText === idText);
