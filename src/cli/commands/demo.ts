/**
 * `skein demo` (what `npm start` runs): the live multi-node mesh on this
 * machine. Needs root for network namespaces; says so plainly otherwise.
 */
import type { Command } from 'commander';
import { runDemo, DEMO_LAB_NAME, DEMO_NODES } from '../../lab/demo.js';
import { checkPrivileges } from '../../lab/preflight.js';
import { CliExit } from '../output.js';

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
      const controller = new AbortController();
      const onSignal = () => { process.stderr.write('\ninterrupted: tearing down…\n'); controller.abort(); };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        await runDemo({ nodes, name: o.name, ...(o.once ? { once: true } : {}), signal: controller.signal });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      if (controller.signal.aborted) process.exitCode = 130;
    });
}
