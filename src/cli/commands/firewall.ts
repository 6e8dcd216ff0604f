/**
 * `skein firewall`: the running node's rules with their drops, the default
 * of each direction, the tracked flows and the drops no rule decided. The
 * admin API's JSON with --json (same field names).
 */
import type { Command } from 'commander';
import { adminQuery } from '../../control/client.js';
import { addTargetOptions, resolveAdminSocket, type TargetOptions } from '../daemon-target.js';
import { formatTable } from '../../util/table.js';
import { printJson } from '../output.js';
import type { FirewallStatus } from '../../control/protocol.js';

export function formatFirewallStatus(s: FirewallStatus): string {
  if (!s.active) return 'no firewall rules: every member may reach every port (see docs/firewall.md)\n';
  const lines: string[] = [];
  lines.push(`default: inbound ${s.defaults.inbound}, outbound ${s.defaults.outbound}`);
  lines.push('');
  lines.push(formatTable(['rule', 'label', 'drops'], s.rules.map((r) => [r.rule, r.label, String(r.drops)])));
  lines.push('');
  const f = s.flows;
  lines.push(`tracked flows: ${f.tracked} of ${f.max} (${f.maxPerPeer} per peer)${f.cut > 0 ? `, ${f.cut} cut by a reload` : ''}; since start: ${f.created} begun, ${f.expired} expired, ${f.evicted} evicted`);
  lines.push(`passed: ${s.passed.tracked} packets of tracked flows, ${s.passed.flowsAdmitted} new flows, ${s.passed.icmpErrors} ICMPv6 errors of tracked flows`);
  const d = s.drops;
  lines.push(`dropped by default: ${d.inbound.default} inbound, ${d.outbound.default} outbound; cut flows: ${d.inbound.cut + d.outbound.cut}; unreadable: ${d.inbound.malformed + d.outbound.malformed}`);
  return `${lines.join('\n')}\n`;
}

export function registerFirewallCommands(program: Command): void {
  addTargetOptions(program.command('firewall').description('the firewall: rules and their drops, defaults, tracked flows'))
    .option('--json', 'machine-readable output ({active, defaults, rules: [{direction, label, rule, drops}], flows, passed, drops})')
    .addHelpText('after', '\nExample:\n  skein firewall --config db1/skein.toml\n  skein lab exec n2 -- skein firewall --json | jq \'.rules[] | select(.drops > 0)\'')
    .action(async (o: TargetOptions & { json?: boolean }) => {
      const s = await adminQuery(resolveAdminSocket(o), 'firewall');
      if (o.json) return printJson(s);
      process.stdout.write(formatFirewallStatus(s));
    });
}
