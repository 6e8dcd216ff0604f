/**
 * The bench results as people read them (pure): an aligned text report for
 * the terminal and the same table in Markdown for the README.
 */
import { formatTable } from '../util/table.js';
import { DEFAULT_TUN_MTU } from '../dataplane/mtu.js';
import { compareRun, kernelRun, type BenchResults, type MachineInfo, type PathRun, type StartupRun } from './results.js';
import { evaluateTargets, type TargetResult } from './targets.js';

const KIB_PER_MIB = 1024;

export function formatMbps(mbps: number): string {
  return mbps >= 100 ? Math.round(mbps).toLocaleString('en-US') : mbps.toFixed(1);
}

export function formatPercent(ratio: number): string {
  return `${(100 * ratio).toFixed(1)}%`;
}

function formatMs(ms: number, digits = 3): string {
  return ms.toFixed(digits);
}

/** "n1 97 · n2 64 · n3 1 · n4 1" (percent of one core), or "-" for the kernel. */
export function formatCpu(cpu: Record<string, number>): string {
  const entries = Object.entries(cpu);
  return entries.length === 0 ? '-' : entries.map(([n, p]) => `${n} ${Math.round(p)}`).join(' · ');
}

const PATH_HEADERS = ['path', 'hops', 'mtu', 'Mbit/s', 'of limit', 'rtt ms', 'added rtt ms', 'rtt × limit', 'cpu % per node', 'machine busy'];

function pathRow(results: BenchResults, run: PathRun): string[] {
  const c = run.transport === 'skein' ? compareRun(run, kernelRun(results, run.hops)) : undefined;
  const dash = '-';
  return [
    run.transport === 'kernel' ? 'kernel routing (limit)' : 'skein',
    String(run.hops),
    String(run.mtu),
    run.throughput ? formatMbps(run.throughput.mbps) : 'failed',
    c ? (c.throughputRatio === null ? dash : formatPercent(c.throughputRatio)) : dash,
    run.rtt ? formatMs(run.rtt.avgMs) : 'failed',
    c ? (c.addedRttMs === null ? dash : formatMs(c.addedRttMs)) : dash,
    c ? (c.rttRatio === null ? dash : `${c.rttRatio.toFixed(1)}×`) : dash,
    formatCpu(run.cpuPercent),
    run.machineBusyPercent === null ? dash : `${Math.round(run.machineBusyPercent)}%`,
  ];
}

export function targetValueText(t: TargetResult): string {
  if (t.value === null) return 'not measured';
  return t.unit === '%' ? `${t.value.toFixed(1)}%` : `${t.value.toFixed(t.limit < 10 ? 3 : 0)} ms`;
}

export function targetGoalText(t: TargetResult): string {
  return `${t.rule === 'atLeast' ? '≥' : '<'} ${t.limit}${t.unit === '%' ? '%' : ` ${t.unit}`}`;
}

function formatTarget(t: TargetResult): string {
  return `${t.verdict.padEnd(4)}  ${t.description}: ${targetValueText(t)} (target ${targetGoalText(t)})`;
}

function breakdown(s: StartupRun): string {
  const parts = [
    ...(s.daemonsUpMs != null ? [`every daemon up at ${Math.round(s.daemonsUpMs)} ms`] : []),
    ...(s.linksUpMs != null ? [`last link up at ${Math.round(s.linksUpMs)} ms`] : []),
  ];
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

function startupLines(results: BenchResults): string[] {
  return results.startup.map((s) => s.firstPingMs === null
    ? `first ping ${s.from} → ${s.to} (${s.hops} hops), ${s.label}: not measured (${s.error ?? 'failed'})`
    : `first ping ${s.from} → ${s.to} (${s.hops} hops), ${s.label}: ${Math.round(s.firstPingMs)} ms after starting all daemons${breakdown(s)}`);
}

/** The Node.js relay floor, and what Skein adds over it at the same hop count. */
function relayFloorLines(results: BenchResults): string[] {
  const f = results.nodeRelayFloor;
  if (!f) return [];
  const head = `plain Node.js TCP relays ${f.from} → ${f.to} (${f.hops} hops, no crypto, no TUN; the floor of a Node.js process per hop)`;
  if (!f.rtt) return [`${head}: not measured (${f.error ?? 'failed'})`];
  const skein = results.runs.find((r) => r.transport === 'skein' && r.hops === f.hops && r.mtu === DEFAULT_TUN_MTU)?.rtt;
  const over = skein ? `; Skein's RTT at ${f.hops} hops is ${formatMs(skein.avgMs - f.rtt.avgMs)} ms above it` : '';
  return [`${head}: RTT avg ${formatMs(f.rtt.avgMs)} ms (min ${formatMs(f.rtt.minMs)}, max ${formatMs(f.rtt.maxMs)})${over}`];
}

function rerouteLines(results: BenchResults): string[] {
  return results.reroute.map((r) => {
    const head = `cut ${r.cut} while ${r.from} pings ${r.to} (${r.hopsBefore} hops) every ${r.intervalMs / 1000} s`;
    if (!r.gap) return `${head}: not measured (${r.error ?? 'failed'})`;
    const g = r.gap;
    const lost = `${g.lost} lost, longest lost run ${g.longestLostRun} × ${r.intervalMs} ms = ${g.longestLostRun * r.intervalMs} ms`;
    return `${head}: longest gap between replies ${Math.round(g.maxGapMs)} ms (${lost})${g.recovered ? '' : ', replies never resumed'}`;
  });
}

function memoryLine(results: BenchResults): string {
  const mib = (kib: number) => (kib / KIB_PER_MIB).toFixed(0);
  const parts = Object.entries(results.memory).map(([n, m]) => `${n} ${mib(m.rssKiB)} MiB (peak ${mib(m.peakKiB)})`);
  return parts.length === 0 ? 'resident memory: not measured' : `resident memory (VmRSS): ${parts.join(', ')}`;
}

/** The lines under the path table: relay floor, first pings, reroute gaps, memory, errors. */
export function formatNotes(results: BenchResults): string[] {
  return [...relayFloorLines(results), ...startupLines(results), ...rerouteLines(results), memoryLine(results), ...results.errors.map((e) => `error: ${e}`)];
}

/** "2 cores (AMD EPYC), Linux 6.18.44, Node v20.20.2, load average at start 1.4 1.1 0.9" */
export function formatMachine(m: MachineInfo): string {
  return `${m.nproc} cores (${m.cpuModel}), Linux ${m.kernel}, Node ${m.node}, load average at start ${m.loadAverage.join(' ')}`;
}

export function formatReport(results: BenchResults, targets: TargetResult[] = evaluateTargets(results)): string {
  const m = results.machine;
  const s = results.settings;
  return [
    `skein bench, ${results.date} (${Math.round(results.durationMs / 1000)} s): ${formatMachine(m)}`,
    `${s.lineNodes}-node line: 1 hop n1 → n2, 3 hops n1 → n${s.lineNodes}; iperf3 TCP ${s.iperfSeconds} s (+${s.iperfOmitSeconds} s omitted), then ping ${s.pingCount} × ${s.pingIntervalMs / 1000} s (path warm)`,
    '',
    formatTable(PATH_HEADERS, results.runs.map((r) => pathRow(results, r))),
    '',
    ...formatNotes(results),
    '',
    'targets:',
    ...targets.map(formatTarget),
  ].join('\n');
}

const markdownRow = (cells: string[]): string => `| ${cells.join(' | ')} |`;

/** The path table as Markdown (the README's). */
export function formatMarkdownPaths(results: BenchResults): string {
  return [
    markdownRow(PATH_HEADERS),
    markdownRow(PATH_HEADERS.map(() => '---')),
    ...results.runs.map((r) => markdownRow(pathRow(results, r))),
  ].join('\n');
}

/** The path table and the targets as Markdown (`skein bench --markdown`, docs/benchmark.md). */
export function formatMarkdown(results: BenchResults, targets: TargetResult[] = evaluateTargets(results)): string {
  const row = markdownRow;
  return [
    formatMarkdownPaths(results),
    '',
    row(['target', 'measured', 'goal', '']),
    row(['---', '---', '---', '---']),
    ...targets.map((t) => row([t.description, targetValueText(t), targetGoalText(t), t.verdict])),
  ].join('\n');
}
