/**
 * `skein bench` (what `npm run bench` runs): throughput, RTT, CPU and
 * memory of Skein against kernel routing on the same lab links, the time to
 * the first ping and the reroute gap, with PASS/MISS per target. Needs root
 * (it builds its own labs, under the exit guard: no way out leaves one
 * behind). A missed target is reported, not an exit status.
 */
import type { Command } from 'commander';
import { checkPrivileges } from '../../lab/preflight.js';
import { formatMarkdown } from '../../bench/report.js';
import { BENCH_LAB_KINDS, benchLabName, DEFAULT_RESULTS_FILE, DEFAULT_SETTINGS, randomLabSuffix, runBench } from '../../bench/run.js';
import { labContext } from '../../lab/lab.js';
import { destroyLabBuiltBy } from '../../lab/ownership.js';
import { exitGuard } from '../exit-guard.js';
import { CliExit } from '../output.js';

const MIN_IPERF_SECONDS = 1;
const MAX_IPERF_SECONDS = 60;

export function registerBenchCommands(program: Command): void {
  program
    .command('bench')
    .description('measure Skein against kernel IPv6 routing on lab links (root): Mbit/s, RTT, CPU, memory, first ping, reroute gap')
    .option('--out <file>', 'where to write the results as JSON', DEFAULT_RESULTS_FILE)
    .option('--time <seconds>', 'length of each iperf3 run', String(DEFAULT_SETTINGS.iperfSeconds))
    .option('--markdown', 'also print the table as Markdown (for the README)')
    .action(async (o: { out: string; time: string; markdown?: boolean }) => {
      try {
        checkPrivileges();
      } catch (err) {
        throw new CliExit(1, `skein bench: ${(err as Error).message}\n  The bench builds network namespaces and runs Skein daemons in them: sudo npm run bench`);
      }
      const seconds = Number(o.time);
      if (!Number.isInteger(seconds) || seconds < MIN_IPERF_SECONDS || seconds > MAX_IPERF_SECONDS) {
        throw new CliExit(2, `skein bench: --time must be a whole number of seconds from ${MIN_IPERF_SECONDS} to ${MAX_IPERF_SECONDS}`);
      }
      const ctx = labContext();
      const suffix = randomLabSuffix();
      const names = BENCH_LAB_KINDS.map((kind) => benchLabName(kind, suffix));
      const teardown = async () => { for (const name of names) await destroyLabBuiltBy(name, process.pid, ctx); };
      const guarded = { label: `the bench labs (${names.join(', ')})`, leftoverHint: names.map((n) => `skein lab down --name ${n}`).join('; '), teardown };
      const { results, targets, report } = await exitGuard().run(guarded, (signal) => runBench({ settings: { iperfSeconds: seconds }, out: o.out, signal, labSuffix: suffix }));
      process.stdout.write(`\n${report}\n\nresults written to ${o.out}\n`);
      if (o.markdown) process.stdout.write(`\n${formatMarkdown(results, targets)}\n`);
    });
}
