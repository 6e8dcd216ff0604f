/**
 * `skein bench experiments` (what `npm run bench -- experiments` runs): one
 * 4-node line lab made for the run and always removed; on it, for each
 * variant in turn (variants.ts), the daemons started with that one change,
 * measured (measure.ts) and stopped, the baseline first and again last.
 * Then the JSON file, with every run's ratios to the baseline (not written
 * by an interrupted run).
 */
import { writeFileSync } from 'node:fs';
import { DEFAULT_TUN_MTU } from '../../dataplane/mtu.js';
import { createLab } from '../../lab/build.js';
import { initMesh } from '../../lab/mesh.js';
import { checkPrivileges } from '../../lab/preflight.js';
import { ErrorCodes, SkeinError } from '../../util/errors.js';
import { machineInfo } from '../../util/machine.js';
import { messageOf } from '../context.js';
import { clockTicksPerSecond } from '../daemon-stats.js';
import { WARMUP_PINGS } from '../probes.js';
import { assertLineQuiet } from '../quiet-line.js';
import { checkBenchTools, DEFAULT_SETTINGS } from '../run.js';
import { cacheFiles, CODE_CACHE_ENV, codeCacheDir, waitForNewCache } from './code-cache.js';
import { checkVariantsRun } from './preflight.js';
import { measureVariant, startVariant, stopLine, type VariantContext } from './measure.js';
import { EXPERIMENTS_VERSION, withRatios, type ExperimentsFile, type ExperimentSettings, type VariantRun } from './results.js';
import { experimentsHeading, formatExperimentsTable } from './report.js';
import { flagsKey, runOrder, type Variant } from './variants.js';

export const DEFAULT_EXPERIMENTS_FILE = 'latency-experiments.json';
/** Long enough for a steady TCP rate through three hops, short enough for 17 runs in a few minutes. */
export const DEFAULT_EXPERIMENT_IPERF_SECONDS = 3;
const HOPS = 3;

export interface ExperimentsOptions {
  /** Variant names to run besides the baseline (default: all). */
  only?: readonly string[];
  iperfSeconds?: number;
  out?: string;
  /** The lab's name (unique to the run). */
  labName: string;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

const ms = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v.toFixed(2));

function summaryLine(r: VariantRun): string {
  const idle = r.idle.map((i) => `${i.intervalMs / 1000} s median ${ms(i.medianMs)} / mean ${ms(i.meanMs)} ms`).join('; ');
  const cpu = r.cpuIdle ? `, CPU µs/ping relays ${Math.round(r.cpuIdle.relays ?? 0)} ends ${Math.round(r.cpuIdle.ends ?? 0)}` : '';
  const load = r.cpuIperf ? ` (CPU % relays ${Math.round(r.cpuIperf.relays ?? 0)} ends ${Math.round(r.cpuIperf.ends ?? 0)})` : '';
  const errors = r.errors.length > 0 ? `; ${r.errors.length} error(s): ${r.errors.join('; ')}` : '';
  return `  ${r.name}: first ping ${r.firstPingMs === null ? '-' : Math.round(r.firstPingMs)} ms; ${idle || 'no idle pings'}${cpu}; ${r.mbps === null ? 'iperf3 failed' : `${Math.round(r.mbps)} Mbit/s`}${load}${errors}`;
}

/** Start the flag set's daemons once so its code cache exists before its measured start; whether one was written. */
async function primeCodeCache(ctx: VariantContext, variant: Variant, dir: string): Promise<boolean> {
  const before = cacheFiles(dir);
  try {
    await startVariant(ctx, variant);
    return await waitForNewCache(dir, before, undefined, ctx.signal);
  } finally {
    await stopLine(ctx.lab);
  }
}

export async function runExperiments(opts: ExperimentsOptions): Promise<{ file: ExperimentsFile; table: string }> {
  checkPrivileges();
  checkBenchTools();
  const order = runOrder(opts.only);
  checkVariantsRun(order);
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const startedAt = Date.now();
  const iperfSeconds = opts.iperfSeconds ?? DEFAULT_EXPERIMENT_IPERF_SECONDS;
  const settings: ExperimentSettings = {
    lineNodes: HOPS + 1, hops: HOPS, mtu: DEFAULT_TUN_MTU, warmupPings: WARMUP_PINGS,
    idlePings: DEFAULT_SETTINGS.idlePings.map((s) => ({ ...s })),
    iperfSeconds, iperfOmitSeconds: DEFAULT_SETTINGS.iperfOmitSeconds,
    ticksPerSecond: clockTicksPerSecond(), codeCachePrimed: true,
  };
  const machine = machineInfo();
  const runs: VariantRun[] = [];
  const errors: string[] = [];
  log(`building a ${settings.lineNodes}-node line (lab ${opts.labName}); ${order.length} runs: ${order.map((v) => v.name).join(', ')}`);
  const lab = await createLab({ name: opts.labName, topology: 'line', nodes: settings.lineNodes }, opts.signal ? { signal: opts.signal } : {});
  try {
    initMesh(lab, { cluster: opts.labName });
    const cacheDir = codeCacheDir(lab);
    const ctx: VariantContext = {
      lab, idlePings: settings.idlePings, iperfSeconds, iperfOmitSeconds: settings.iperfOmitSeconds,
      ticksPerSecond: settings.ticksPerSecond, commonEnv: { [CODE_CACHE_ENV]: cacheDir },
      ...(opts.signal ? { signal: opts.signal } : {}),
    };
    const primed = new Set<string>();
    for (const variant of order) {
      if (opts.signal?.aborted) break;
      await assertLineQuiet(lab, `the ${variant.name} daemons start`);
      if (settings.codeCachePrimed && !primed.has(flagsKey(variant))) {
        primed.add(flagsKey(variant));
        try {
          if (!(await primeCodeCache(ctx, variant, cacheDir))) {
            settings.codeCachePrimed = false;
            log('  no V8 code cache was written (the daemons do not run the bundle): every variant starts from source');
          }
        } catch (err) {
          if (opts.signal?.aborted) break;
          errors.push(`${variant.name}, code cache start: ${messageOf(err)}`);
        }
      }
      const run = await measureVariant(ctx, variant);
      runs.push(run);
      log(summaryLine(run));
    }
  } catch (err) {
    if (!opts.signal?.aborted) errors.push(messageOf(err));
  } finally {
    await lab.down();
  }
  if (opts.signal?.aborted) throw new SkeinError(ErrorCodes.LAB, `experiments interrupted: the lab is removed; ${opts.out ?? DEFAULT_EXPERIMENTS_FILE} was not written`);
  const file: ExperimentsFile = {
    version: EXPERIMENTS_VERSION, date: new Date(startedAt).toISOString(), durationMs: Date.now() - startedAt,
    machine, settings, runs: withRatios(runs, settings.idlePings.map((s) => s.intervalMs)), errors,
  };
  writeFileSync(opts.out ?? DEFAULT_EXPERIMENTS_FILE, `${JSON.stringify(file, null, 2)}\n`);
  return { file, table: [experimentsHeading(file), '', formatExperimentsTable(file)].join('\n') };
}
