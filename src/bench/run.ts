/**
 * `skein bench` (what `npm run bench` runs): the line scenario (kernel
 * routing, relay floors, Skein, Yggdrasil when installed), then the ring
 * scenario, each on labs made for this run and removed after it (also
 * on errors and when `signal` aborts); then the report, the targets and the
 * JSON file (not written by an interrupted run).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { checkPrivileges } from '../lab/preflight.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { secureRandom } from '../util/random.js';
import type { BenchContext } from './context.js';
import { runLineBench } from './line-bench.js';
import { machineInfo } from '../util/machine.js';
import { formatReport } from './report.js';
import { comparisons, RESULTS_VERSION, yggdrasilRatios, type BenchResults, type BenchSettings } from './results.js';
import { runRingBench } from './ring-bench.js';
import { evaluateTargets, type TargetResult } from './targets.js';

export const DEFAULT_SETTINGS: BenchSettings = {
  iperfSeconds: 5,
  iperfOmitSeconds: 1,
  pingCount: 20,
  pingIntervalMs: 50,
  // Fewer pings a second apart: they dominate the run's wall time (pings × hops × phases × transports,
  // and the three relay floors), which these keep to about four minutes.
  idlePings: [{ intervalMs: 200, count: 20 }, { intervalMs: 1000, count: 8 }],
  memorySampleMs: 250,
  rerouteIntervalMs: 100,
  lineNodes: 4,
  ringNodes: 6,
};
export const DEFAULT_RESULTS_FILE = 'bench-results.json';
/** Lab names are `b<kind><6 random base-36 chars>`: unique per run, within the 10-character limit. */
const LAB_SUFFIX_CHARS = 6;
const BASE36 = 36;

export interface BenchOptions {
  settings?: Partial<BenchSettings>;
  /** Where the JSON goes. */
  out?: string;
  log?: (line: string) => void;
  signal?: AbortSignal;
  /** The suffix of the run's lab names (default: a random one), so a caller can find them by name. */
  labSuffix?: string;
}

export interface BenchOutcome {
  results: BenchResults;
  targets: TargetResult[];
  report: string;
}

/** The measuring tools and the Debian packages that provide them. */
export const BENCH_TOOLS: ReadonlyArray<readonly [string, string, string]> = [['iperf3', '--version', 'iperf3'], ['ping', '-V', 'iputils-ping']];

export function checkBenchTools(): void {
  for (const [tool, versionFlag, pkg] of BENCH_TOOLS) {
    const r = spawnSync(tool, [versionFlag], { stdio: 'ignore' });
    if (r.error) throw new SkeinError(ErrorCodes.LAB_TOOL_MISSING, `'${tool}' was not found: the bench measures with it; install the Debian package ${pkg} (apt-get install ${pkg})`);
  }
}

/** The lab kinds a run builds: 'l' the line, 'r' the ring. */
export const BENCH_LAB_KINDS = ['l', 'r'] as const;

export function benchLabName(kind: string, suffix: string): string {
  return `b${kind}${suffix}`;
}

/** A suffix no other run uses, for benchLabName. */
export function randomLabSuffix(): string {
  let s = '';
  for (let i = 0; i < LAB_SUFFIX_CHARS; i++) s += Math.floor(secureRandom.float() * BASE36).toString(BASE36);
  return s;
}

export async function runBench(opts: BenchOptions = {}): Promise<BenchOutcome> {
  checkPrivileges();
  checkBenchTools();
  const settings = { ...DEFAULT_SETTINGS, ...opts.settings };
  const suffix = opts.labSuffix ?? randomLabSuffix();
  const ctx: BenchContext = {
    settings,
    log: opts.log ?? ((line) => process.stdout.write(`${line}\n`)),
    labName: (kind) => benchLabName(kind, suffix),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  const startedAt = Date.now();
  const results: BenchResults = {
    version: RESULTS_VERSION,
    date: new Date(startedAt).toISOString(),
    durationMs: 0,
    machine: machineInfo(),
    settings,
    runs: [],
    startup: [],
    reroute: [],
    memory: {},
    relayFloors: [],
    yggdrasil: { measured: false, skipped: 'not run' },
    errors: [],
  };
  const line = await runLineBench(ctx);
  Object.assign(results, { runs: line.runs, startup: line.startup, memory: line.memory, relayFloors: line.relayFloors, yggdrasil: line.yggdrasil });
  results.errors.push(...line.errors);
  if (!opts.signal?.aborted) {
    const ring = await runRingBench(ctx);
    results.reroute = ring.reroute;
    results.errors.push(...ring.errors);
  }
  results.durationMs = Date.now() - startedAt;
  const targets = evaluateTargets(results);
  // An interrupted run is partial: it must not replace the results of a whole one.
  if (opts.signal?.aborted) throw new SkeinError(ErrorCodes.LAB, `bench interrupted: its labs are removed; ${opts.out ?? DEFAULT_RESULTS_FILE} was not written`);
  writeFileSync(opts.out ?? DEFAULT_RESULTS_FILE, `${JSON.stringify({ ...results, comparisons: comparisons(results), againstYggdrasil: yggdrasilRatios(results) ?? null, targets }, null, 2)}\n`);
  return { results, targets, report: formatReport(results, targets) };
}
