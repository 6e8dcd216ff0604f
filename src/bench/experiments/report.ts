/**
 * The latency experiments as Markdown (pure): the short table (the README's:
 * each variant's 3-hop idle RTT right after the start, throughput and the
 * relays' CPU, each beside its ratio to the baseline) and the full one
 * (docs/latency.md: medians and means, the ends' CPU, how each variant was
 * applied and why it was tried).
 */
import { formatMachine } from '../report.js';
import type { ExperimentsFile, Ratios, VariantRun } from './results.js';
import { BASELINE } from './variants.js';

type Run = VariantRun & { ratios: Ratios };

const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** Three significant digits, as the bench's tables give RTTs. */
export function rttText(msValue: number | null | undefined): string {
  if (msValue === null || msValue === undefined) return '-';
  return msValue >= 100 ? msValue.toFixed(0) : msValue.toPrecision(3);
}

export function ratioText(r: number | null | undefined): string {
  return r === null || r === undefined ? '-' : `${r.toFixed(2)}×`;
}

const whole = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : Math.round(v).toLocaleString('en-US'));
const tenths = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : v.toFixed(1));
const withRatio = (value: string, r: number | null | undefined): string => (value === '-' ? '-' : `${value} (${ratioText(r)})`);

/** "baseline", then "baseline, again" for its later runs: the rows stay apart. */
export function runLabels(runs: readonly VariantRun[]): string[] {
  const seen = new Map<string, number>();
  return runs.map((r) => {
    const n = (seen.get(r.name) ?? 0) + 1;
    seen.set(r.name, n);
    return n === 1 ? r.name : `${r.name}, again`;
  });
}

function idleOf(run: Run, intervalMs: number) {
  return { stats: run.idle.find((i) => i.intervalMs === intervalMs), ratio: run.ratios.rtt.find((x) => x.intervalMs === intervalMs) };
}

export function experimentsHeading(f: ExperimentsFile): string {
  const s = f.settings;
  const idle = s.idlePings.map((p) => `${p.count} × ${p.intervalMs / 1000} s`).join(' and ');
  return `Measured ${f.date} (one run, ${Math.round(f.durationMs / 1000)} s): ${formatMachine(f.machine)}. ${s.hops} hops n1 → n${s.lineNodes}, TUN MTU ${s.mtu}; idle pings right after the daemons start (${s.warmupPings} warm-up, then ${idle}); iperf3 ${s.iperfSeconds} s; ratios to the mean of the ${BASELINE} runs.`;
}

const intervalsOf = (f: ExperimentsFile): number[] => f.settings.idlePings.map((p) => p.intervalMs);

/** The README's table: medians, Mbit/s and the relays' CPU, each with its ratio. */
export function formatExperimentsTable(f: ExperimentsFile): string {
  const intervals = intervalsOf(f);
  const labels = runLabels(f.runs);
  const lines = [
    row(['variant', ...intervals.map((i) => `RTT ms, ${i / 1000} s (median)`), 'Mbit/s', 'relays: CPU µs per idle ping', 'relays: CPU % in iperf3', 'RSS MiB, peak (daemons\' mean)']),
    row(['---', ...intervals.map(() => '---:'), '---:', '---:', '---:', '---:']),
    ...f.runs.map((r, k) => row([
      labels[k]!,
      ...intervals.map((i) => { const { stats, ratio } = idleOf(r, i); return withRatio(rttText(stats?.medianMs), ratio?.median); }),
      withRatio(whole(r.mbps), r.ratios.mbps),
      withRatio(whole(r.cpuIdle?.relays), r.ratios.cpuIdleRelays),
      withRatio(whole(r.cpuIperf?.relays), r.ratios.cpuIperfRelays),
      withRatio(tenths(r.memory?.peakMean), r.ratios.rssPeak),
    ])),
  ];
  return lines.join('\n');
}

export function appliedText(r: VariantRun): string {
  const parts = [
    ...r.applied.nodeFlags.map((f) => `\`${f}\``),
    ...Object.entries(r.applied.env).map(([k, v]) => `\`${k}=${v}\``),
    ...(r.applied.affinity ? [`\`taskset -c\` ${Object.entries(r.applied.affinity).map(([n, c]) => `${n}:${c}`).join(' ')}`] : []),
  ];
  return parts.length === 0 ? 'nothing' : parts.join(' ');
}

/** docs/latency.md's table: medians and means, both CPU groups, first ping; then how and why, and any errors. */
export function formatExperimentsFull(f: ExperimentsFile): string {
  const intervals = intervalsOf(f);
  const labels = runLabels(f.runs);
  const pair = (a: string, b: string) => `${a} / ${b}`;
  const table = [
    row(['variant', 'first ping ms', ...intervals.map((i) => `RTT ms ${i / 1000} s, median / mean (ratios)`), 'Mbit/s', 'CPU µs per idle ping, relays / ends (ratios)', 'CPU % in iperf3, relays / ends (ratios)', 'RSS MiB idle / peak, daemons\' mean (ratios)']),
    row(['---', '---:', ...intervals.map(() => '---:'), '---:', '---:', '---:', '---:']),
    ...f.runs.map((r, k) => row([
      labels[k]!,
      whole(r.firstPingMs),
      ...intervals.map((i) => {
        const { stats, ratio } = idleOf(r, i);
        return stats ? `${pair(rttText(stats.medianMs), rttText(stats.meanMs))} (${pair(ratioText(ratio?.median), ratioText(ratio?.mean))})` : '-';
      }),
      withRatio(whole(r.mbps), r.ratios.mbps),
      r.cpuIdle ? `${pair(whole(r.cpuIdle.relays), whole(r.cpuIdle.ends))} (${pair(ratioText(r.ratios.cpuIdleRelays), ratioText(r.ratios.cpuIdleEnds))})` : '-',
      r.cpuIperf ? `${pair(whole(r.cpuIperf.relays), whole(r.cpuIperf.ends))} (${pair(ratioText(r.ratios.cpuIperfRelays), ratioText(r.ratios.cpuIperfEnds))})` : '-',
      r.memory ? `${pair(tenths(r.memory.idleMean), tenths(r.memory.peakMean))} (${pair(ratioText(r.ratios.rssIdle), ratioText(r.ratios.rssPeak))})` : '-',
    ])),
  ];
  const seen = new Set<string>();
  const how = f.runs.filter((r) => !seen.has(r.name) && seen.add(r.name)).map((r) => `- **${r.name}**: ${appliedText(r)}. ${cell(r.why)}.`);
  const errors = [
    ...f.runs.flatMap((r, k) => r.errors.map((e) => `- ${labels[k]}: ${cell(e)}`)),
    ...f.errors.map((e) => `- ${cell(e)}`),
  ];
  return [experimentsHeading(f), '', ...table, '', ...how, ...(errors.length > 0 ? ['', 'Errors:', '', ...errors] : [])].join('\n');
}
