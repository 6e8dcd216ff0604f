/**
 * `skein bench` (what `npm run bench` runs): throughput, RTT, CPU and
 * memory of Skein against kernel routing on the same lab links, the time to
 * the first ping and the reroute gap, with PASS/MISS per target. Needs root
 * (it builds its own labs, under the exit guard: no way out leaves one
 * behind). A missed target is reported, not an exit status.
 * `skein bench experiments`: the line's daemons started once per variant of
 * their Node.js/libuv settings and CPU affinity, each measured against the
 * baseline (src/bench/experiments/).
 */
import type { Command } from 'commander';
import { checkPrivileges } from '../../lab/preflight.js';
import { formatMarkdown } from '../../bench/report.js';
import { BENCH_LAB_KINDS, benchLabName, DEFAULT_RESULTS_FILE, DEFAULT_SETTINGS, randomLabSuffix, runBench } from '../../bench/run.js';
import { DEFAULT_EXPERIMENT_IPERF_SECONDS, DEFAULT_EXPERIMENTS_FILE, runExperiments } from '../../bench/experiments/run.js';
import { runOrder, VARIANTS } from '../../bench/experiments/variants.js';
import { labContext } from '../../lab/lab.js';
import { destroyLabBuiltBy } from '../../lab/ownership.js';
import { exitGuard } from '../exit-guard.js';
import { CliExit } from '../output.js';

const MIN_IPERF_SECONDS = 1;
const MAX_IPERF_SECONDS = 60;

function parseIperfSeconds(command: string, text: string): number {
  const seconds = Number(text);
  if (!Number.isInteger(seconds) || seconds < MIN_IPERF_SECONDS || seconds > MAX_IPERF_SECONDS) {
    throw new CliExit(2, `${command}: --time must be a whole number of seconds from ${MIN_IPERF_SECONDS} to ${MAX_IPERF_SECONDS}`);
  }
  return seconds;
}

function requireRoot(command: string): void {
  try {
    checkPrivileges();
  } catch (err) {
    throw new CliExit(1, `${command}: ${(err as Error).message}\n  The bench builds network namespaces and runs Skein daemons in them: sudo npm run bench`);
  }
}

/** The experiments lab's kind in benchLabName: 'bexp' and the run's suffix. */
const EXPERIMENTS_LAB_KIND = 'exp';

function registerExperiments(bench: Command): void {
  bench
    .command('experiments')
    .description('start the line\'s daemons once per variant (V8 flags, libuv settings, CPU affinity) and measure each: 3-hop idle RTT, Mbit/s, CPU, as ratios to the baseline (root)')
    .option('--only <names>', 'run only these variants, comma-separated (the baseline always runs first and last)')
    .option('--list', 'list the variants and how each is applied, run nothing')
    .option('--out <file>', 'where to write the results as JSON', DEFAULT_EXPERIMENTS_FILE)
    .option('--time <seconds>', 'length of each iperf3 run', String(DEFAULT_EXPERIMENT_IPERF_SECONDS))
    .action(async (o: { only?: string; list?: boolean; out: string; time: string }) => {
      const command = 'skein bench experiments';
      if (o.list) {
        for (const v of VARIANTS) process.stdout.write(`${v.name}\t${[...(v.nodeFlags ?? []), ...Object.entries(v.env ?? {}).map(([k, x]) => `${k}=${x}`), ...(v.affinity ? [`taskset -c ${v.affinity.join('/')}`] : [])].join(' ') || '-'}\t${v.why}\n`);
        return;
      }
      const only = o.only?.split(',').map((n) => n.trim()).filter((n) => n !== '');
      try {
        runOrder(only);
      } catch (err) {
        throw new CliExit(2, `${command}: ${(err as Error).message}`);
      }
      requireRoot(command);
      const seconds = parseIperfSeconds(command, o.time);
      const ctx = labContext();
      const name = benchLabName(EXPERIMENTS_LAB_KIND, randomLabSuffix());
      const guarded = { label: `the experiments lab (${name})`, leftoverHint: `skein lab down --name ${name}`, teardown: async () => { await destroyLabBuiltBy(name, process.pid, ctx); } };
      const { table } = await exitGuard().run(guarded, (signal) => runExperiments({ labName: name, iperfSeconds: seconds, out: o.out, signal, ...(only ? { only } : {}) }));
      process.stdout.write(`\n${table}\n\nresults written to ${o.out}\n`);
    });
}

export function registerBenchCommands(program: Command): void {
  const bench = program
    .command('bench')
    .description('measure Skein against kernel IPv6 routing on lab links (root): Mbit/s, RTT, CPU, memory, first ping, reroute gap')
    .option('--out <file>', 'where to write the results as JSON', DEFAULT_RESULTS_FILE)
    .option('--time <seconds>', 'length of each iperf3 run', String(DEFAULT_SETTINGS.iperfSeconds))
    .option('--markdown', 'also print the table as Markdown (for the README)')
    .action(async (o: { out: string; time: string; markdown?: boolean }) => {
      requireRoot('skein bench');
      const seconds = parseIperfSeconds('skein bench', o.time);
      const ctx = labContext();
      const suffix = randomLabSuffix();
      const names = BENCH_LAB_KINDS.map((kind) => benchLabName(kind, suffix));
      const teardown = async () => { for (const name of names) await destroyLabBuiltBy(name, process.pid, ctx); };
      const guarded = { label: `the bench labs (${names.join(', ')})`, leftoverHint: names.map((n) => `skein lab down --name ${n}`).join('; '), teardown };
      const { results, targets, report } = await exitGuard().run(guarded, (signal) => runBench({ settings: { iperfSeconds: seconds }, out: o.out, signal, labSuffix: suffix }));
      process.stdout.write(`\n${report}\n\nresults written to ${o.out}\n`);
      if (o.markdown) process.stdout.write(`\n${formatMarkdown(results, targets)}\n`);
    });
  registerExperiments(bench);
}
