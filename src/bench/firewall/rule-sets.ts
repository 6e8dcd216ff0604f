/**
 * The rule sets the firewall benchmark compares: none, and
 * BENCH_RULE_COUNT rules where only the last two admit the measured
 * traffic (iperf3's port and ICMPv6 from the sender's group), so a new flow
 * is matched against every other rule first. One list, rendered as
 * skein.toml for the daemons and parsed by the node's own schema for the
 * in-process measurement.
 */
import { firewallSchema, type FirewallSettings } from '../../dataplane/firewall/rules.js';

export const BENCH_RULE_COUNT = 100;
export const BENCH_GROUP = 'web';
/** Ports of the rules that never match start here (above iperf3's and below the ephemeral range). */
const FILLER_FIRST_PORT = 10_000;
const RANGE_WIDTH = 5;

type RawRule = Record<string, string | number | string[]>;

export function benchRules(count: number, iperfPort: number): RawRule[] {
  if (count === 0) return [];
  const rules: RawRule[] = [];
  for (let i = 0; rules.length < count - 2; i++) {
    const port = FILLER_FIRST_PORT + i;
    // Other ports, other groups, other names: the shapes a real rule set has.
    if (i % 3 === 0) rules.push({ proto: 'tcp', port, group: BENCH_GROUP });
    else if (i % 3 === 1) rules.push({ proto: 'udp', port: `${port}-${port + RANGE_WIDTH}`, group: ['ops', `g${i}`] });
    else rules.push({ proto: 'tcp', port: iperfPort, name: `other${i}` });
  }
  rules.push({ proto: 'tcp', port: iperfPort, group: BENCH_GROUP, label: 'iperf' }, { proto: 'icmp', group: BENCH_GROUP, label: 'ping' });
  return rules;
}

/** `[firewall]` text for a node's config (empty for no rules). */
export function firewallToml(rules: readonly RawRule[]): string {
  if (rules.length === 0) return '';
  const value = (v: string | number | string[]): string => (Array.isArray(v) ? `[${v.map((x) => JSON.stringify(x)).join(', ')}]` : JSON.stringify(v));
  const lines = rules.map((r) => `  { ${Object.entries(r).map(([k, v]) => `${k} = ${value(v)}`).join(', ')} },`);
  return `\n[firewall]\ninbound = [\n${lines.join('\n')}\n]\n`;
}

export function firewallSettings(rules: readonly RawRule[]): FirewallSettings {
  return firewallSchema.parse({ inbound: rules });
}
