/**
 * `skein demo` (what `npm start` runs): the live multi-node mesh on this
 * machine. Needs root for network namespaces; says so plainly otherwise.
 * The lab runs under the exit guard, so no way out leaves it behind; a demo
 * lab an earlier demo left behind (its builder gone) is removed first.
 */
import type { Command } from 'commander';
import { runDemo, DEMO_LAB_NAME, DEMO_LAB_OWNER, DEMO_NODES } from '../../lab/demo.js';
import { labContext, type LabContext } from '../../lab/lab.js';
import { destroyLabBuiltBy, processIsRunning, readStateQuietly, removeAbandonedLab } from '../../lab/ownership.js';
import { checkPrivileges } from '../../lab/preflight.js';
import { exitGuard } from '../exit-guard.js';
import { CliExit } from '../output.js';
import { count } from './lab-format.js';

/** Remove the leftovers of a crashed demo, or refuse when the lab belongs to a demo still running. */
async function clearTheWay(name: string, ctx: LabContext): Promise<void> {
  const abandoned = await removeAbandonedLab(name, DEMO_LAB_OWNER, ctx);
  if (abandoned) {
    const { report, builderPid } = abandoned;
    const stopped = report.processesStopped > 0 ? `, stopped ${count(report.processesStopped, 'process', 'processes')}` : '';
    process.stdout.write(`removed lab '${name}' left behind by an earlier demo whose process (pid ${builderPid}) is gone: ${count(report.namespaces.length, 'namespace')}${stopped}\n`);
    return;
  }
  const state = readStateQuietly(name, ctx);
  if (state?.owner === DEMO_LAB_OWNER && processIsRunning(state.builderPid)) {
    throw new CliExit(1, `skein demo: lab '${name}' belongs to a demo that is still running (pid ${state.builderPid}): stop that one, or start another with: npm start -- --name demo2`);
  }
}

export function registerDemoCommands(program: Command): void {
  program
    .command('demo')
    .description('the main demonstration (npm start): a live 5-node mesh in network namespaces, a ping, a cut link and the reroute')
    .option('--once', 'exit after the demonstration instead of waiting for Ctrl-C')
    .option('--nodes <n>', `ring size (3 to 12)`, String(DEMO_NODES))
    .option('--name <lab>', 'lab name', DEMO_LAB_NAME)
    .action(async (o: { once?: boolean; nodes: string; name: string }) => {
      try {
        checkPrivileges();
      } catch (err) {
        throw new CliExit(1, `skein demo: ${(err as Error).message}\n  npm start builds a real ${DEMO_NODES}-node network on this machine with network namespaces and veth links.\n  Run it as root: sudo npm start   (or: sudo npx skein demo)`);
      }
      const nodes = Number(o.nodes);
      if (!Number.isInteger(nodes) || nodes < 3 || nodes > 12) throw new CliExit(2, 'skein demo: --nodes must be a whole number from 3 to 12');
      const ctx = labContext();
      await clearTheWay(o.name, ctx);
      await exitGuard().run(
        { label: `lab '${o.name}'`, leftoverHint: `skein lab down --name ${o.name}`, teardown: () => destroyLabBuiltBy(o.name, process.pid, ctx) },
        (signal) => runDemo({ nodes, name: o.name, ...(o.once ? { once: true } : {}), signal }),
      );
    });
}
