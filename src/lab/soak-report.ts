/**
 * What a soak run measured, judged: probe loss inside and outside the fault
 * windows, transfers and their checksums, daemon memory over time,
 * error-level log lines (explained when they fall in a fault window), and
 * recovery times per kind of fault. Rendered as a table and as JSON.
 */
import type { Convergence } from './route-check.js';
import type { Probe, TransferResult } from './soak-traffic.js';

/** A probe counts as stable when no fault began within this long after it was sent (its reply could still be on the way)… */
export const REPLY_WAIT_MS = 2_000;
/** …and the last fault ended (routes converged again) at least this long before. */
export const SETTLE_MS = 3_000;
/** An error line this close to a fault window is explained by it. */
const EXPLAIN_MARGIN_MS = 5_000;

export interface FaultRecord {
  kind: 'flap' | 'restart';
  /** "nA~nB" for a flap, the node for a restart. */
  target: string;
  startMs: number;
  /** When routes matched the whole graph again. */
  endMs: number;
  /**
   * Flap: heal → converged; restart: kill → converged; reachable (every
   * route back, none stale) and shortest (every route as short as the graph
   * allows). Null: not within the bound.
   */
  recovery: Convergence | null;
  /** Flap: cut → routes converged without the link. */
  cutRecovery?: Convergence | null;
  /** How long the link was down, or the node away (kill → its admin API answering again). */
  downMs: number;
}

export interface SoakInput {
  options: { minutes: number; nodes: number; seed: number; restarts: boolean };
  lab: string;
  links: string[];
  startedAtMs: number;
  endedAtMs: number;
  initialConvergenceMs: number;
  streams: Array<{ from: string; to: string; probes: Probe[] }>;
  transfers: TransferResult[];
  faults: FaultRecord[];
  /** Each daemon's RSS per sample, and how many times each node was restarted before it (a restart starts a fresh process). */
  rss: Array<{ atMs: number; label: string; kib: Record<string, number | null>; restarts: Record<string, number>; parts?: Record<string, MemoryParts | null> }>;
  /** Each node's log file. */
  logs: Record<string, string>;
}

export interface Spread { count: number; medianMs: number | null; worstMs: number | null }

export interface SoakReport {
  options: SoakInput['options'];
  lab: string;
  links: string[];
  startedAt: string;
  durationS: number;
  initialConvergenceMs: number;
  pings: Array<{ from: string; to: string; sent: number; received: number; stableSent: number; stableReceived: number; stableLost: number; duringFaultsLost: number }>;
  stableLoss: { sent: number; received: number; lost: number; lossPercent: number };
  transfers: { attempted: number; completed: number; checksumMatched: number; checksumMismatched: number; failedExplained: number; failedUnexplained: number; bytesMatched: number; failures: string[] };
  rss: Array<{ label: string; kib: Record<string, number | null>; restarts: Record<string, number>; parts?: Record<string, MemoryParts | null> }>;
  memoryGrowth: MemoryGrowth[];
  errors: { total: number; explained: number; unexplained: Array<{ node: string; time: string; msg: string }> };
  faults: { total: number; byKind: Record<string, { count: number; reachable: Spread; shortest: Spread; cutReachable?: Spread; cutShortest?: Spread }>; unrecovered: number; log: FaultRecord[] };
}

/** Memory is judged after this long in one process's life: start-up and the first traffic settle first. */
export const WARMUP_MS = 5 * 60_000;
/** A daemon's growth is stated only over a restart-free stretch at least this long (after the warm-up). */
export const MIN_GROWTH_SPAN_MS = 10 * 60_000;
/** The goal: less than this growth per 10 minutes after the warm-up. */
export const GROWTH_GOAL_MIB_PER_10_MIN = 1;

/** Where one daemon's resident memory was at a sample: pages the kernel counts, and V8's heap inside the anonymous ones. */
export interface MemoryParts {
  anonKiB: number;
  fileKiB: number;
  v8KiB: number;
  /** What the C allocator has handed out (null: not known); the rest of "other anonymous" is its free pages, stacks and other mappings. */
  cInUseKiB?: number | null;
}

/** Growth of each part over the same stretch, MiB per 10 minutes; the anonymous pages less V8's heap are the C side (allocator, buffers, stacks). */
export interface GrowthByPart {
  fileBacked: number;
  v8Heap: number;
  outsideV8: number;
  /** Of outsideV8, what the C allocator has handed out, when every sample said. */
  cHeapInUse?: number;
}

/** One daemon's resident memory over its longest life in the run, after the warm-up. */
export interface MemoryGrowth {
  node: string;
  /** Length of the stretch judged (after the warm-up, one process). */
  spanMs: number;
  samples: number;
  firstKiB: number;
  lastKiB: number;
  /** Least-squares slope over the stretch's samples (one busy sample cannot fake or hide a trend); null if the stretch is shorter than MIN_GROWTH_SPAN_MS. */
  mibPer10Min: number | null;
  /** The same slope split by part, when every sample of the stretch had the parts (and the stretch is judged). */
  byPart?: GrowthByPart;
}

/** The slope, in units of y per unit of x, of the least-squares line through the points. */
function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / sxx;
}

/**
 * Per node: split its samples into lives (a restart starts a new one), keep
 * each life's samples from WARMUP_MS after the life began, judge the
 * longest such stretch.
 */
export function memoryGrowth(rss: SoakInput['rss'], startedAtMs: number): MemoryGrowth[] {
  const nodes = Object.keys(rss[0]?.kib ?? {});
  type Point = { atMs: number; kib: number; parts: MemoryParts | null };
  return nodes.map((node) => {
    const lives: Array<{ bornMs: number; points: Point[] }> = [];
    let restarts = -1;
    for (const s of rss) {
      const count = s.restarts[node] ?? 0;
      if (count !== restarts) {
        restarts = count;
        // The first life began with the run; a later one somewhere before this sample (the restart), taken as the sample itself.
        lives.push({ bornMs: lives.length === 0 ? Math.min(startedAtMs, s.atMs) : s.atMs, points: [] });
      }
      const kib = s.kib[node];
      const life = lives.at(-1)!;
      if (typeof kib === 'number' && s.atMs - life.bornMs >= WARMUP_MS) life.points.push({ atMs: s.atMs, kib, parts: s.parts?.[node] ?? null });
    }
    const spanOf = (p: Point[]) => (p.length < 2 ? 0 : p.at(-1)!.atMs - p[0]!.atMs);
    const best = lives.map((l) => l.points).sort((a, b) => spanOf(b) - spanOf(a))[0] ?? [];
    const spanMs = spanOf(best);
    const judged = spanMs >= MIN_GROWTH_SPAN_MS;
    const per10Min = (kibOf: (p: Point) => number) => Math.round((slope(best.map((p) => [p.atMs, kibOf(p)] as const)) * 10 * 60_000 / 1024) * 100) / 100;
    const withParts = judged && best.every((p) => p.parts !== null);
    const byPart = (): GrowthByPart => {
      const part = (kibOf: (m: MemoryParts) => number) => per10Min((p) => kibOf(p.parts!));
      const cKnown = best.every((p) => typeof p.parts!.cInUseKiB === 'number');
      return {
        fileBacked: part((m) => m.fileKiB), v8Heap: part((m) => m.v8KiB), outsideV8: part((m) => m.anonKiB - m.v8KiB),
        ...(cKnown ? { cHeapInUse: part((m) => m.cInUseKiB as number) } : {}),
      };
    };
    return {
      node, spanMs, samples: best.length,
      firstKiB: best[0]?.kib ?? 0, lastKiB: best.at(-1)?.kib ?? 0,
      mibPer10Min: judged ? per10Min((p) => p.kib) : null,
      ...(withParts ? { byPart: byPart() } : {}),
    };
  });
}

function spread(samples: Array<number | null | undefined>): Spread {
  const s = samples.filter((x): x is number => typeof x === 'number').sort((a, b) => a - b);
  if (s.length === 0) return { count: 0, medianMs: null, worstMs: null };
  const mid = s.length / 2;
  const median = s.length % 2 === 1 ? (s[Math.floor(mid)] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  return { count: s.length, medianMs: Math.round(median), worstMs: s.at(-1) as number };
}

export function isStable(sentAtMs: number, faults: readonly FaultRecord[]): boolean {
  return faults.every((f) => sentAtMs + REPLY_WAIT_MS < f.startMs || sentAtMs > f.endMs + SETTLE_MS);
}

function nearFault(atMs: number, faults: readonly FaultRecord[]): boolean {
  return faults.some((f) => atMs >= f.startMs - EXPLAIN_MARGIN_MS && atMs <= f.endMs + EXPLAIN_MARGIN_MS);
}

function errorLines(node: string, text: string, from: number, to: number): Array<{ node: string; atMs: number; msg: string }> {
  const out: Array<{ node: string; atMs: number; msg: string }> = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { level?: unknown; time?: unknown; msg?: unknown };
    try { entry = JSON.parse(line) as typeof entry; } catch { continue; }
    if (entry.level !== 'error' && entry.level !== 'fatal') continue;
    const atMs = typeof entry.time === 'number' ? entry.time : typeof entry.time === 'string' ? Date.parse(entry.time) : Number.NaN;
    if (atMs < from || atMs > to) continue;
    out.push({ node, atMs, msg: String(entry.msg ?? '') });
  }
  return out;
}

export function analyse(input: SoakInput): SoakReport {
  const { faults } = input;
  const pings = input.streams.map(({ from, to, probes }) => {
    const stable = probes.filter((p) => isStable(p.sentAtMs, faults));
    const stableReceived = stable.filter((p) => p.received).length;
    const lostDuring = probes.filter((p) => !p.received && !isStable(p.sentAtMs, faults)).length;
    return { from, to, sent: probes.length, received: probes.filter((p) => p.received).length, stableSent: stable.length, stableReceived, stableLost: stable.length - stableReceived, duringFaultsLost: lostDuring };
  });
  const sent = pings.reduce((n, p) => n + p.stableSent, 0);
  const received = pings.reduce((n, p) => n + p.stableReceived, 0);
  const failed = input.transfers.filter((t) => !t.completed);
  const explainedFailure = (t: TransferResult) => faults.some((f) => f.startMs <= t.endedAtMs && f.endMs + SETTLE_MS >= t.startedAtMs);
  const errors = Object.entries(input.logs).flatMap(([node, text]) => errorLines(node, text, input.startedAtMs, input.endedAtMs));
  const unexplained = errors.filter((e) => !nearFault(e.atMs, faults));
  const byKind: SoakReport['faults']['byKind'] = {};
  for (const kind of ['flap', 'restart'] as const) {
    const of = faults.filter((f) => f.kind === kind);
    if (of.length === 0) continue;
    byKind[kind] = {
      count: of.length,
      reachable: spread(of.map((f) => f.recovery?.reachableMs)),
      shortest: spread(of.map((f) => f.recovery?.shortestMs)),
      ...(kind === 'flap' && { cutReachable: spread(of.map((f) => f.cutRecovery?.reachableMs)), cutShortest: spread(of.map((f) => f.cutRecovery?.shortestMs)) }),
    };
  }
  return {
    options: input.options,
    lab: input.lab,
    links: input.links,
    startedAt: new Date(input.startedAtMs).toISOString(),
    durationS: Math.round((input.endedAtMs - input.startedAtMs) / 1000),
    initialConvergenceMs: input.initialConvergenceMs,
    pings,
    stableLoss: { sent, received, lost: sent - received, lossPercent: sent === 0 ? 0 : Math.round(((sent - received) / sent) * 10_000) / 100 },
    transfers: {
      attempted: input.transfers.length,
      completed: input.transfers.length - failed.length,
      checksumMatched: input.transfers.filter((t) => t.ok).length,
      checksumMismatched: input.transfers.filter((t) => t.completed && !t.ok).length,
      failedExplained: failed.filter(explainedFailure).length,
      failedUnexplained: failed.filter((t) => !explainedFailure(t)).length,
      bytesMatched: input.transfers.filter((t) => t.ok).reduce((n, t) => n + t.bytes, 0),
      failures: failed.map((t) => `${t.from} → ${t.to} at ${new Date(t.startedAtMs).toISOString()}: ${t.error ?? 'failed'}${explainedFailure(t) ? ' (during a fault)' : ''}`),
    },
    rss: input.rss.map(({ label, kib, restarts, parts }) => ({ label, kib, restarts, ...(parts ? { parts } : {}) })),
    memoryGrowth: memoryGrowth(input.rss, input.startedAtMs),
    errors: { total: errors.length, explained: errors.length - unexplained.length, unexplained: unexplained.map((e) => ({ node: e.node, time: new Date(e.atMs).toISOString(), msg: e.msg })) },
    faults: { total: faults.length, byKind, unrecovered: faults.filter((f) => f.recovery === null || f.cutRecovery === null).length, log: faults },
  };
}

const ms = (v: number | null | undefined) => (v === null || v === undefined ? '-' : String(v));
const mib = (kib: number | null | undefined) => (kib === null || kib === undefined ? '-' : (kib / 1024).toFixed(1));

/** The report as plain-text tables. */
export function formatReport(r: SoakReport): string {
  const lines: string[] = [];
  const o = r.options;
  lines.push(`soak: ${o.minutes} min, ${o.nodes} nodes, seed ${o.seed}, ${o.restarts ? 'link flaps and restarts' : 'link flaps only (no restarts)'}, lab ${r.lab}, started ${r.startedAt}, ran ${r.durationS} s`);
  lines.push(`links: ${r.links.join(' ')}; initial convergence ${r.initialConvergenceMs} ms`);
  lines.push('');
  lines.push('ping (every 0.2 s over the TUN)   sent  recv  stable sent  stable lost  lost in faults');
  for (const p of r.pings) lines.push(`  ${`${p.from} → ${p.to}`.padEnd(32)}${String(p.sent).padStart(5)} ${String(p.received).padStart(5)} ${String(p.stableSent).padStart(12)} ${String(p.stableLost).padStart(12)} ${String(p.duringFaultsLost).padStart(15)}`);
  lines.push(`  stable-period loss: ${r.stableLoss.lost} of ${r.stableLoss.sent} (${r.stableLoss.lossPercent}%)`);
  lines.push('');
  const t = r.transfers;
  lines.push(`transfers (2 MiB seeded, TCP over the TUN): ${t.attempted} attempted, ${t.checksumMatched} sha256 matched (${(t.bytesMatched / 1048576).toFixed(1)} MiB), ${t.checksumMismatched} mismatched, ${t.failedExplained} failed during a fault, ${t.failedUnexplained} failed otherwise`);
  for (const f of t.failures) lines.push(`  ${f}`);
  lines.push('');
  lines.push('recovery (ms)          count  reachable median / worst  shortest median / worst');
  const row = (label: string, count: number, a: Spread | undefined, b: Spread | undefined) =>
    lines.push(`  ${label.padEnd(22)}${String(count).padStart(4)}  ${`${ms(a?.medianMs)} / ${ms(a?.worstMs)}`.padStart(24)}  ${`${ms(b?.medianMs)} / ${ms(b?.worstMs)}`.padStart(23)}`);
  for (const [kind, k] of Object.entries(r.faults.byKind)) {
    if (kind === 'flap') {
      row('flap: cut → converged', k.count, k.cutReachable, k.cutShortest);
      row('flap: heal → converged', k.count, k.reachable, k.shortest);
    } else {
      row('restart: kill → conv.', k.count, k.reachable, k.shortest);
    }
  }
  lines.push('  (reachable: every route back, none stale, none over a dead link; shortest: and every route a fewest-hops one)');
  if (r.faults.unrecovered > 0) lines.push(`  NOT RECOVERED within the bound: ${r.faults.unrecovered}`);
  lines.push('');
  const nodes = Object.keys(r.rss[0]?.kib ?? {});
  lines.push(`RSS (MiB)   ${nodes.map((n) => n.padStart(7)).join(' ')}   (* a fresh process: restarted since the sample before)`);
  r.rss.forEach((s, i) => {
    const fresh = (n: string) => i > 0 && (s.restarts[n] ?? 0) > (r.rss[i - 1]?.restarts[n] ?? 0);
    lines.push(`  ${s.label.padEnd(10)}${nodes.map((n) => `${mib(s.kib[n])}${fresh(n) ? '*' : ' '}`.padStart(7)).join(' ')}`);
  });
  lines.push(`growth after ${WARMUP_MS / 60_000} min of each process's life (least-squares slope; goal below ${GROWTH_GOAL_MIB_PER_10_MIN} MiB per 10 min):`);
  for (const g of r.memoryGrowth) {
    lines.push(`  ${g.node}: ${g.mibPer10Min === null ? `not judged: longest restart-free stretch after warm-up ${Math.round(g.spanMs / 60_000)} min (needs ${MIN_GROWTH_SPAN_MS / 60_000})` : `${g.mibPer10Min} MiB per 10 min over ${Math.round(g.spanMs / 60_000)} min (${mib(g.firstKiB)} → ${mib(g.lastKiB)} MiB)`}${g.byPart ? `; of it V8 heap ${g.byPart.v8Heap}, other anonymous (C heap, stacks) ${g.byPart.outsideV8}${g.byPart.cHeapInUse !== undefined ? ` (C allocations in use ${g.byPart.cHeapInUse})` : ''}, file-backed ${g.byPart.fileBacked}` : ''}`);
  }
  lines.push('');
  lines.push(`error-level log lines: ${r.errors.total} (${r.errors.explained} during or right after a fault, ${r.errors.unexplained.length} unexplained)`);
  for (const e of r.errors.unexplained) lines.push(`  ${e.time} ${e.node}: ${e.msg}`);
  return lines.join('\n');
}

/** What makes a run fail: the goals the report states. */
export function soakVerdict(r: SoakReport): string[] {
  const problems: string[] = [];
  if (r.stableLoss.lost > 0) problems.push(`${r.stableLoss.lost} probes lost in stable periods`);
  if (r.transfers.checksumMismatched > 0) problems.push(`${r.transfers.checksumMismatched} transfers with a wrong checksum`);
  if (r.transfers.checksumMatched === 0) problems.push('no transfer completed');
  if (r.transfers.failedUnexplained > 0) problems.push(`${r.transfers.failedUnexplained} transfers failed outside any fault`);
  if (r.faults.unrecovered > 0) problems.push(`${r.faults.unrecovered} faults not recovered within the bound`);
  if (r.errors.unexplained.length > 0) problems.push(`${r.errors.unexplained.length} unexplained error lines`);
  for (const g of r.memoryGrowth) {
    if (g.mibPer10Min !== null && g.mibPer10Min >= GROWTH_GOAL_MIB_PER_10_MIN) problems.push(`${g.node}'s memory grew ${g.mibPer10Min} MiB per 10 min after the warm-up`);
  }
  return problems;
}

function growthText(growth: readonly MemoryGrowth[]): string {
  const judged = growth.filter((g) => g.mibPer10Min !== null);
  if (judged.length === 0) return 'not judged (no restart-free stretch of 10 min after warm-up)';
  const worst = judged.reduce((a, b) => ((b.mibPer10Min as number) > (a.mibPer10Min as number) ? b : a));
  return `${worst.mibPer10Min} MiB per 10 min (${worst.node}, over ${Math.round(worst.spanMs / 60_000)} min; ${judged.length} of ${growth.length} daemons judged)`;
}

/** The run in a few rows (measure, result), for the results file that `npm run results` renders into the README. */
export function soakResultRows(r: SoakReport): Array<{ measure: string; result: string }> {
  const kinds = r.faults.byKind;
  const pair = (s: Spread | undefined) => (s && s.count > 0 ? `${s.medianMs} / ${s.worstMs} ms` : '-');
  const rssValues = r.rss.flatMap((s) => Object.values(s.kib)).filter((v): v is number => typeof v === 'number');
  const mibText = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
  return [
    { measure: 'run', result: `${r.durationS} s, ${r.options.nodes} nodes (ring + chord), seed ${r.options.seed}` },
    { measure: 'ping loss in stable periods', result: `${r.stableLoss.lost} of ${r.stableLoss.sent}` },
    { measure: 'transfers (2 MiB, sha256 checked)', result: `${r.transfers.checksumMatched} of ${r.transfers.attempted} matched, ${r.transfers.checksumMismatched} mismatched, ${r.transfers.failedExplained} failed during a fault` },
    { measure: 'link flaps: cut → routes round it (median / worst)', result: `${kinds.flap?.count ?? 0} flaps, ${pair(kinds.flap?.cutReachable)}` },
    { measure: 'link flaps: heal → shortest routes again', result: pair(kinds.flap?.shortest) },
    { measure: 'kill -9 + restart: kill → every route back', result: `${kinds.restart?.count ?? 0} restarts, ${pair(kinds.restart?.reachable)}` },
    { measure: 'daemon RSS (lowest / highest sample)', result: rssValues.length > 0 ? `${mibText(Math.min(...rssValues))} / ${mibText(Math.max(...rssValues))}` : '-' },
    { measure: 'daemon RSS growth after warm-up (worst daemon)', result: growthText(r.memoryGrowth) },
    { measure: 'error-level log lines', result: `${r.errors.total} (${r.errors.unexplained.length} unexplained)` },
  ];
}
