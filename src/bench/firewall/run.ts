/**
 * `npm run bench:firewall [-- --json] [-- --no-lab]`: what the firewall costs per packet,
 * with no rules and with BENCH_RULE_COUNT, in one run. First in this process
 * (the decision alone, no root); then on a 2-node lab (root): iperf3
 * throughput and ping RTT through the whole data path. Every measurement is
 * bounded (PER_PACKET_ITERATIONS decisions, a few seconds of iperf3, a
 * counted ping); the lab is removed on every way out.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPrivileges } from '../../lab/preflight.js';
import { IPERF_PORT } from '../probes.js';
import { randomLabSuffix } from '../run.js';
import { runFirewallLab, type FirewallLabRow, type FirewallLabSettings } from './lab-run.js';
import { measurePerPacket, type PerPacketRow } from './per-packet.js';
import { BENCH_RULE_COUNT } from './rule-sets.js';

export const FIREWALL_BENCH_SETTINGS: FirewallLabSettings = {
  ruleCounts: [0, BENCH_RULE_COUNT],
  iperfSeconds: 4,
  iperfOmitSeconds: 1,
  pingCount: 40,
  pingIntervalMs: 50,
};

export interface FirewallBenchResults {
  date: string;
  perPacket: PerPacketRow[];
  lab: FirewallLabRow[] | { skipped: string };
}

function table(header: string[], rows: Array<Array<string | number | null>>): string {
  const cells = rows.map((r) => r.map((c) => (c === null ? '-' : String(c))));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  return [header, ...cells].map((r) => r.map((c, i) => c.padStart(widths[i]!)).join('  ')).join('\n');
}

export async function benchFirewall(log: (line: string) => void, opts: { lab?: boolean } = {}): Promise<FirewallBenchResults> {
  const date = new Date().toISOString();
  log('the firewall decision alone, in this process:');
  const perPacket = measurePerPacket(FIREWALL_BENCH_SETTINGS.ruleCounts, IPERF_PORT);
  if (opts.lab === false) return { date, perPacket, lab: { skipped: '--no-lab' } };
  try {
    checkPrivileges();
  } catch (err) {
    return { date, perPacket, lab: { skipped: (err as Error).message } };
  }
  const lab = await runFirewallLab(`bf${randomLabSuffix()}`, FIREWALL_BENCH_SETTINGS, log);
  return { date, perPacket, lab };
}

export function formatFirewallBench(r: FirewallBenchResults): string {
  const out = [`firewall bench, ${r.date}`, '', table(['rules', 'case', 'ns/packet'], r.perPacket.map((p) => [p.rules, p.case, p.nsPerPacket]))];
  if ('skipped' in r.lab) out.push('', `lab skipped: ${r.lab.skipped}`);
  else {
    out.push('', table(['rules', 'Mbit/s', 'retr', 'rtt avg ms', 'rtt min ms', 'n2 CPU %', 'n1 CPU %', 'flows', 'drops', 'errors'],
      r.lab.map((x) => [x.rules, x.mbps, x.retransmits, x.rttAvgMs, x.rttMinMs, x.receiverCpuPercent, x.senderCpuPercent, x.trackedFlows, x.drops, x.errors.join('; ') || '-'])));
  }
  return `${out.join('\n')}\n`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const json = process.argv.includes('--json');
  const results = await benchFirewall((line) => { if (!json) process.stderr.write(`${line}\n`); }, { lab: !process.argv.includes('--no-lab') });
  process.stdout.write(json ? `${JSON.stringify(results, null, 2)}\n` : formatFirewallBench(results));
}
