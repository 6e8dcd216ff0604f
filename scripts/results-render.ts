/**
 * Renders result files (bench, latency experiments, simulator, fuzz campaign, soak) as the
 * Markdown that `npm run results` writes between markers in README.md and
 * docs/*.md (pure: text in, text out):
 *
 *   <!-- results:bench -->
 *   ...regenerated, never edited by hand...
 *   <!-- /results:bench -->
 *
 * Text outside the markers is never touched, and rendering the same JSON
 * twice gives the same bytes, so a second run changes nothing.
 */
import { formatMachine, formatMarkdown, formatMarkdownLine, formatNotes } from '../src/bench/report.js';
import type { BenchResults, MachineInfo } from '../src/bench/results.js';
import type { SimResultsFile } from '../src/cli/commands/sim.js';
import { SUMMARY_HEADERS, summaryRows } from '../src/sim/report.js';
import type { LoopResult } from '../fuzz/engine/loop.js';
import { experimentsHeading, formatExperimentsFull, formatExperimentsTable } from '../src/bench/experiments/report.js';
import type { ExperimentsFile } from '../src/bench/experiments/results.js';

export const SECTIONS = ['bench', 'bench-full', 'sim', 'fuzz', 'fuzz-campaign', 'soak', 'soak-memory', 'experiments', 'experiments-full'] as const;
export type SectionName = (typeof SECTIONS)[number];

/** What `npm run fuzz -- --json-out FILE` writes (older files carry no machine). */
export interface FuzzCampaignFile {
  date: string;
  node: string;
  machine?: MachineInfo;
  results: LoopResult[];
}

/** A soak run: any table of rows, with when and where it ran. */
export interface SoakResultsFile {
  date: string;
  machine: MachineInfo | string;
  rows: Array<Record<string, string | number | boolean | null>>;
}

/** A soak run's file with each daemon's memory growth after warm-up (a run without restarts). */
export interface SoakMemoryFile extends SoakResultsFile {
  options: { minutes: number; seed: number; restarts: boolean };
  memoryGrowth: Array<{ node: string; spanMs: number; firstKiB: number; lastKiB: number; mibPer10Min: number | null }>;
}

const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
const count = (x: number): string => x.toLocaleString('en-US');
/** Table cells may not hold a pipe or a line break. */
const cell = (v: unknown): string => (v === null || v === undefined ? '-' : String(v)).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function machineText(m: MachineInfo | string | undefined, node?: string): string {
  if (typeof m === 'string') return m;
  if (m !== undefined) return formatMachine(m);
  return node !== undefined ? `Node ${node}, machine not recorded` : 'machine not recorded';
}

const benchHeading = (r: BenchResults): string => `Measured ${r.date} (one run, ${Math.round(r.durationMs / 1000)} s): ${machineText(r.machine)}.`;

/** The line at a glance and the ratios against Yggdrasil (the README's). */
export function renderBench(r: BenchResults): string {
  return [benchHeading(r), '', formatMarkdownLine(r)].join('\n');
}

/** That, then each path against the kernel limit, the targets, and the notes: relay floors, first pings, reroute gaps, memory (docs/benchmark.md). */
export function renderBenchFull(r: BenchResults): string {
  return [benchHeading(r), '', formatMarkdown(r), '', ...formatNotes(r).map((l) => `- ${l}`)].join('\n');
}

export function renderSim(f: SimResultsFile): string {
  const s = f.settings;
  return [
    `Measured ${f.date}: ${machineText(f.machine)}; ${s.nodes} nodes, seed ${s.seed}${s.loss > 0 ? `, loss ${s.loss}` : ''}${s.verifyEach ? ', every signature verified' : ''}.`,
    '',
    row(SUMMARY_HEADERS),
    row(SUMMARY_HEADERS.map(() => '---')),
    ...summaryRows(f.reports).map((cells) => row(cells.map(cell))),
  ].join('\n');
}

const findingsText = (r: LoopResult): string => (r.findings.length === 0 ? 'none' : r.findings.map((x) => `${x.kind}: ${x.message.split('\n')[0] ?? ''}`).join('; '));

/** Executions and findings per target (the README's short table). */
export function renderFuzz(f: FuzzCampaignFile): string {
  return [
    `Campaign of ${f.date.slice(0, 10)}: ${machineText(f.machine, f.node)}.`,
    '',
    row(['target', 'executions', 'findings']),
    '|---|---:|---|',
    ...f.results.map((r) => row([r.target, count(r.executions), cell(findingsText(r))])),
  ].join('\n');
}

/** The full campaign table (docs/fuzzing.md): time, rate, outcomes and corpus too. */
export function renderFuzzCampaign(f: FuzzCampaignFile): string {
  return [
    `Campaign of ${f.date.slice(0, 10)} (${f.machine ? formatMachine(f.machine) : `Node ${f.node}`}, one core, \`nice\`):`,
    '',
    '| target | executions | time (s) | execs/s | outcomes seen | corpus | findings |',
    '|---|---:|---:|---:|---:|---:|---|',
    ...f.results.map((r) => row([r.target, count(r.executions), String(Math.round(r.seconds)), count(r.seconds > 0 ? Math.round(r.executions / r.seconds) : 0),
      String(Object.keys(r.outcomes).length), String(r.corpus), cell(findingsText(r))])),
  ].join('\n');
}

export function renderSoak(f: SoakResultsFile): string {
  const columns: string[] = [];
  for (const r of f.rows) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  return [
    `Measured ${f.date}: ${machineText(f.machine)}.`,
    '',
    row(columns.map(cell)),
    row(columns.map(() => '---')),
    ...f.rows.map((r) => row(columns.map((c) => cell(r[c])))),
  ].join('\n');
}

/** The soak's table, the command that made it, and each daemon's growth after warm-up. */
export function renderSoakMemory(f: SoakMemoryFile): string {
  const mib = (kib: number): string => (kib / 1024).toFixed(1);
  return [
    `\`npm run soak -- --minutes ${f.options.minutes} --seed ${f.options.seed}${f.options.restarts ? '' : ' --no-restarts'}\` (one process per node for the whole run). ${renderSoak(f)}`,
    '',
    row(['daemon', 'judged over', 'RSS at the start of it', 'at the end', 'growth, MiB per 10 min']),
    row(['---', '---:', '---:', '---:', '---:']),
    ...f.memoryGrowth.map((g) => row([g.node, `${Math.round(g.spanMs / 60_000)} min`, `${mib(g.firstKiB)} MiB`, `${mib(g.lastKiB)} MiB`, g.mibPer10Min === null ? 'not judged' : String(g.mibPer10Min)])),
  ].join('\n');
}

/** The latency experiments at a glance (the README's): when and where, then the table. */
export function renderExperiments(f: ExperimentsFile): string {
  return [experimentsHeading(f), '', formatExperimentsTable(f)].join('\n');
}

/** Every figure, how each variant was applied and why (docs/latency.md). */
export function renderExperimentsFull(f: ExperimentsFile): string {
  return formatExperimentsFull(f);
}

const openMarker = (name: SectionName): string => `<!-- results:${name} -->`;
const closeMarker = (name: SectionName): string => `<!-- /results:${name} -->`;

/**
 * Replaces what lies between every pair of `name` markers with `body`. A text
 * without the markers comes back unchanged; an opening marker without its
 * closing one (or the reverse) is an error naming the section.
 */
export function replaceSection(text: string, name: SectionName, body: string, where = 'text'): string {
  const open = openMarker(name);
  const close = closeMarker(name);
  let out = '';
  let rest = text;
  for (;;) {
    const start = rest.indexOf(open);
    const end = rest.indexOf(close);
    if (start === -1 && end === -1) return out + rest;
    if (start === -1 || end === -1 || end < start) throw new Error(`${where}: unbalanced ${open} … ${close} markers`);
    const nested = rest.indexOf(open, start + open.length);
    if (nested !== -1 && nested < end) throw new Error(`${where}: ${open} opened twice before ${close}`);
    out += `${rest.slice(0, start + open.length)}\n${body.trimEnd()}\n`;
    rest = rest.slice(end);
    out += close;
    rest = rest.slice(close.length);
  }
}

/** Applies every rendered section to one document; sections without a body are left alone. */
export function updateDocument(text: string, bodies: Partial<Record<SectionName, string>>, where = 'text'): string {
  let out = text;
  for (const name of SECTIONS) {
    const body = bodies[name];
    if (body !== undefined) out = replaceSection(out, name, body, where);
  }
  return out;
}

/** Which sections a document has markers for (to say which were left alone). */
export function sectionsIn(text: string): SectionName[] {
  return SECTIONS.filter((name) => text.includes(openMarker(name)));
}
