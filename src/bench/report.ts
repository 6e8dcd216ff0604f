/**
 * The bench results as people read them (pure): an aligned text report for
 * the terminal and the same tables in Markdown for the README and
 * docs/benchmark.md. Two tables: the line at a glance (every transport and
 * relay floor: throughput, idle-path RTT right after the start and after the
 * transfer, first ping, CPU, memory), then each path against the kernel
 * limit (throughput share and the warm-path RTT the targets use).
 */
import { formatTable } from '../util/table.js';
import { DEFAULT_TUN_MTU } from '../dataplane/mtu.js';
import {
  compareRun, idleAvgMs, IDLE_PHASES, kernelRun, meanMemory, RELAY_NAMES, yggdrasilRatios,
  type BenchResults, type Daemon, type DaemonMemory, type IdlePhase, type IdleRtt, type MachineInfo, type PathRun, type RelayFloorRun, type StartupRun,
} from './results.js';
import { evaluateTargets, type TargetResult } from './targets.js';

const KIB_PER_MIB = 1024;
const DASH = '-';

export function formatMbps(mbps: number): string {
  return mbps >= 100 ? Math.round(mbps).toLocaleString('en-US') : mbps.toFixed(1);
}

export function formatPercent(ratio: number): string {
  return `${(100 * ratio).toFixed(1)}%`;
}

function formatMs(ms: number, digits = 3): string {
  return ms.toFixed(digits);
}

/** RTTs in the line table: three significant places below 10 ms. */
function formatRtt(ms: number | null): string {
  if (ms === null) return DASH;
  return ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3);
}

/** "2.50×", "13.1×" */
export function formatRatio(r: number | null): string {
  if (r === null) return DASH;
  return `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
}

const mib = (kib: number | null): string => (kib === null ? DASH : (kib / KIB_PER_MIB).toFixed(kib < 10 * KIB_PER_MIB ? 1 : 0));

/** "n1 97 · n2 64 · n3 1 · n4 1" (percent of one core), or "-" for the kernel. */
export function formatCpu(cpu: Record<string, number>): string {
  const entries = Object.entries(cpu);
  return entries.length === 0 ? DASH : entries.map(([n, p]) => `${n} ${Math.round(p)}`).join(' · ');
}

const seconds = (ms: number): string => `${ms / 1000} s`;
const intervalsText = (r: BenchResults): string => r.settings.idlePings.map((p) => seconds(p.intervalMs)).join(' / ');
const DAEMON_NAMES: Record<Daemon, string> = { skein: 'skein', 'skein-typescript': 'skein, TypeScript links', yggdrasil: 'yggdrasil' };

function transportLabel(run: PathRun): string {
  if (run.transport === 'kernel') return 'kernel routing (limit)';
  return `${DAEMON_NAMES[run.transport]}, MTU ${run.mtu}`;
}

// ---- the line at a glance ----

function lineHeaders(r: BenchResults): string[] {
  const iv = intervalsText(r);
  return ['path', 'hops', 'Mbit/s', `RTT ms after start (${iv})`, `RTT ms after transfer (${iv})`, 'first ping', 'CPU % per node', 'RSS MiB idle / load / peak'];
}

function idleCell(r: BenchResults, idle: readonly IdleRtt[], phase: IdlePhase): string {
  const found = r.settings.idlePings.map((p) => idle.find((i) => i.phase === phase && i.intervalMs === p.intervalMs));
  if (found.every((i) => i === undefined)) return DASH;
  return found.map((i) => (i === undefined ? DASH : i.rtt ? formatRtt(i.rtt.avgMs) : 'failed')).join(' / ');
}

/** The overlay start this run belongs to: the first of its transport at the default MTU, the restart at another. */
function startupOf(r: BenchResults, run: PathRun): StartupRun | undefined {
  const starts = r.startup.filter((s) => s.transport === run.transport);
  const first = r.runs.find((x) => x.transport === run.transport);
  return run.mtu === first?.mtu ? starts[0] : starts[1];
}

function memoryCell(memory: Record<string, DaemonMemory> | undefined): string {
  if (!memory || Object.keys(memory).length === 0) return DASH;
  return [meanMemory(memory, 'idleKiB'), meanMemory(memory, 'loadMaxKiB'), meanMemory(memory, 'peakKiB')].map(mib).join(' / ');
}

function pathLineRow(r: BenchResults, run: PathRun): string[] {
  const longest = Math.max(...r.runs.filter((x) => x.transport === run.transport && x.mtu === run.mtu).map((x) => x.hops));
  const start = run.hops === longest ? startupOf(r, run) : undefined;
  const firstOfTransport = r.runs.find((x) => x.transport === run.transport);
  const memory = run.transport !== 'kernel' && run.hops === longest && run.mtu === firstOfTransport?.mtu ? r.memory[run.transport] : undefined;
  return [
    transportLabel(run),
    String(run.hops),
    run.throughput ? formatMbps(run.throughput.mbps) : 'failed',
    idleCell(r, run.idle, 'after start'),
    idleCell(r, run.idle, 'after transfer'),
    start ? (start.firstPingMs === null ? 'failed' : `${Math.round(start.firstPingMs)} ms`) : DASH,
    formatCpu(run.cpuPercent),
    memoryCell(memory),
  ];
}

function relayLabel(f: RelayFloorRun): string {
  return `${RELAY_NAMES[f.relay]} TCP relays`;
}

function relayLineRow(r: BenchResults, f: RelayFloorRun): string[] {
  const rtt = f.skipped ? `skipped: ${f.skipped}` : f.error ? 'failed' : idleCell(r, f.rtts, 'after start');
  return [relayLabel(f), String(f.hops), DASH, rtt, DASH, DASH, DASH, DASH];
}

function lineRows(r: BenchResults): string[][] {
  const kernel = r.runs.filter((x) => x.transport === 'kernel').map((x) => pathLineRow(r, x));
  const floors = r.relayFloors.map((f) => relayLineRow(r, f));
  const skein = r.runs.filter((x) => x.transport === 'skein' || x.transport === 'skein-typescript').map((x) => pathLineRow(r, x));
  const ygg = r.yggdrasil.measured
    ? r.runs.filter((x) => x.transport === 'yggdrasil').map((x) => pathLineRow(r, x))
    : [['yggdrasil', DASH, `skipped: ${r.yggdrasil.skipped}`, DASH, DASH, DASH, DASH, DASH]];
  return [...kernel, ...floors, ...skein, ...ygg];
}

/** "Skein ÷ Yggdrasil: …" (one line), or undefined when Yggdrasil was not measured. */
export function ratioLine(r: BenchResults): string | undefined {
  const q = yggdrasilRatios(r);
  if (!q) return undefined;
  const hopsText = (h: number) => `${h} hop${h === 1 ? '' : 's'}`;
  const rtt = (phase: IdlePhase) => {
    const hops = [...new Set(q.rtt.map((x) => x.hops))];
    return hops.map((h) => `${hopsText(h)} ${q.rtt.filter((x) => x.phase === phase && x.hops === h).map((x) => formatRatio(x.ratio)).join(' / ')}`).join(', ');
  };
  return [
    `Skein ÷ Yggdrasil (default MTUs): Mbit/s ${q.throughput.map((t) => `${hopsText(t.hops)} ${formatRatio(t.ratio)}`).join(', ')}`,
    ...IDLE_PHASES.map((phase) => `RTT ${phase} (${intervalsText(r)}) ${rtt(phase)}`),
    `first ping ${formatRatio(q.firstPing)}`,
    `RSS idle ${formatRatio(q.rss.idle)}, load ${formatRatio(q.rss.loadMax)}, peak ${formatRatio(q.rss.peak)}`,
  ].join('; ');
}

// ---- each path against the kernel limit (warm path) ----

const PATH_HEADERS = ['path', 'hops', 'mtu', 'Mbit/s', 'of limit', 'rtt ms', 'added rtt ms', 'rtt × limit', 'cpu % per node', 'machine busy'];

function pathRow(results: BenchResults, run: PathRun): string[] {
  const c = run.transport !== 'kernel' ? compareRun(run, kernelRun(results, run.hops)) : undefined;
  return [
    run.transport === 'kernel' ? 'kernel routing (limit)' : run.transport,
    String(run.hops),
    String(run.mtu),
    run.throughput ? formatMbps(run.throughput.mbps) : 'failed',
    c ? (c.throughputRatio === null ? DASH : formatPercent(c.throughputRatio)) : DASH,
    run.rtt ? formatMs(run.rtt.avgMs) : 'failed',
    c ? (c.addedRttMs === null ? DASH : formatMs(c.addedRttMs)) : DASH,
    c ? (c.rttRatio === null ? DASH : `${c.rttRatio.toFixed(1)}×`) : DASH,
    formatCpu(run.cpuPercent),
    run.machineBusyPercent === null ? DASH : `${Math.round(run.machineBusyPercent)}%`,
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

// ---- the notes under the tables ----

function breakdown(s: StartupRun): string {
  const parts = [
    ...(s.daemonsUpMs != null ? [`every daemon up at ${Math.round(s.daemonsUpMs)} ms`] : []),
    ...(s.linksUpMs != null ? [`last link up at ${Math.round(s.linksUpMs)} ms`] : []),
  ];
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

function startupLines(results: BenchResults): string[] {
  return results.startup.map((s) => {
    const head = `first ping ${s.from} → ${s.to} (${s.hops} hops), ${s.transport} ${s.label}`;
    return s.firstPingMs === null ? `${head}: not measured (${s.error ?? 'failed'})` : `${head}: ${Math.round(s.firstPingMs)} ms after starting all daemons${breakdown(s)}`;
  });
}

function idleDetail(idle: readonly IdleRtt[]): string {
  return idle.map((i) => `${i.count} × ${seconds(i.intervalMs)} avg ${i.rtt ? `${formatMs(i.rtt.avgMs)} ms (min ${formatMs(i.rtt.minMs)}, max ${formatMs(i.rtt.maxMs)})` : 'failed'}`).join('; ');
}

/** Each relay floor; the Node.js one with what Skein adds over it right after its start. */
function relayFloorLines(results: BenchResults): string[] {
  return results.relayFloors.map((f) => {
    const head = `${relayLabel(f)} ${f.from} → ${f.to} (${f.hops} hops, no crypto, no TUN; ${RELAY_NAMES[f.relay]} echo, ${RELAY_NAMES[f.client]} client)`;
    if (f.skipped) return `${head}: skipped (${f.skipped})`;
    if (f.error) return `${head}: not measured (${f.error})`;
    const skein = results.runs.find((r) => r.transport === 'skein' && r.hops === f.hops && r.mtu === DEFAULT_TUN_MTU);
    const over = f.relay === 'node' && skein
      ? `; Skein right after its start is ${f.rtts.map((x) => { const s = idleAvgMs(skein, 'after start', x.intervalMs); return s === null || !x.rtt ? DASH : formatMs(s - x.rtt.avgMs); }).join(' / ')} ms above it`
      : '';
    return `${head}: ${idleDetail(f.rtts)}${over}`;
  });
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

function memoryLines(results: BenchResults): string[] {
  const daemons = Object.keys(results.memory) as Daemon[];
  if (daemons.length === 0) return ['resident memory: not measured'];
  return daemons.map((d) => {
    const parts = Object.entries(results.memory[d] ?? {}).map(([n, m]) => `${n} ${mib(m.idleKiB)} / ${mib(m.loadMaxKiB)}, ${mib(m.loadMeanKiB)} / ${mib(m.peakKiB)}`);
    return `${d} resident memory, MiB (VmRSS idle / under load max, mean of ${results.settings.memorySampleMs} ms samples / peak VmHWM): ${parts.join(' · ')}`;
  });
}

function yggdrasilLines(results: BenchResults): string[] {
  const y = results.yggdrasil;
  return [y.measured ? `yggdrasil ${y.version ?? '(version unknown)'}: static TCP peers over the veth links, measured after Skein's daemons were stopped` : `yggdrasil: skipped: ${y.skipped}`];
}

/** The lines under the tables: Yggdrasil, relay floors, first pings, reroute gaps, memory, errors. */
export function formatNotes(results: BenchResults): string[] {
  return [
    ...yggdrasilLines(results),
    ...relayFloorLines(results),
    ...startupLines(results),
    ...rerouteLines(results),
    ...memoryLines(results),
    ...results.errors.map((e) => `error: ${e}`),
  ];
}

/** "2 cores (AMD EPYC), Linux 6.18.44, Node v20.20.2, load average at start 1.4 1.1 0.9" */
export function formatMachine(m: MachineInfo): string {
  return `${m.nproc} cores (${m.cpuModel}), Linux ${m.kernel}, Node ${m.node}, load average at start ${m.loadAverage.join(' ')}`;
}

/** How the line was measured, in one sentence. */
export function methodLine(results: BenchResults): string {
  const s = results.settings;
  const idle = s.idlePings.map((p) => `${p.count} × ${seconds(p.intervalMs)}`).join(' and ');
  return `${s.lineNodes}-node line: 1 hop n1 → n2, 3 hops n1 → n${s.lineNodes}; iperf3 TCP ${s.iperfSeconds} s (+${s.iperfOmitSeconds} s omitted), then ping ${s.pingCount} × ${seconds(s.pingIntervalMs)} (path warm); idle pings (3 warm-up, one interval of silence, then ${idle}) right after the start and after each transfer (kernel: after the transfer); RSS = mean over the daemons`;
}

export function formatReport(results: BenchResults, targets: TargetResult[] = evaluateTargets(results)): string {
  return [
    `skein bench, ${results.date} (${Math.round(results.durationMs / 1000)} s): ${formatMachine(results.machine)}`,
    methodLine(results),
    '',
    formatTable(lineHeaders(results), lineRows(results)),
    '',
    formatTable(PATH_HEADERS, results.runs.map((r) => pathRow(results, r))),
    '',
    ...[ratioLine(results)].filter((l) => l !== undefined),
    ...formatNotes(results),
    '',
    'targets:',
    ...targets.map(formatTarget),
  ].join('\n');
}

const markdownRow = (cells: string[]): string => `| ${cells.join(' | ')} |`;

/** The line at a glance as Markdown, and the ratio line (the README's). */
export function formatMarkdownLine(results: BenchResults): string {
  const headers = lineHeaders(results);
  const ratios = ratioLine(results);
  return [
    markdownRow(headers),
    markdownRow(headers.map(() => '---')),
    ...lineRows(results).map(markdownRow),
    ...(ratios ? ['', `${ratios}.`] : []),
  ].join('\n');
}

/** Both tables and the targets as Markdown (`skein bench --markdown`, docs/benchmark.md). */
export function formatMarkdown(results: BenchResults, targets: TargetResult[] = evaluateTargets(results)): string {
  const row = markdownRow;
  return [
    formatMarkdownLine(results),
    '',
    row(PATH_HEADERS),
    row(PATH_HEADERS.map(() => '---')),
    ...results.runs.map((r) => row(pathRow(results, r))),
    '',
    row(['target', 'measured', 'goal', '']),
    row(['---', '---', '---', '---']),
    ...targets.map((t) => row([t.description, targetValueText(t), targetGoalText(t), t.verdict])),
  ].join('\n');
}
