/**
 * `skein sim`: runs the routing core on N virtual nodes in this process
 * (src/sim) and reports convergence, control traffic, database size, route
 * computation time and whether every route table equals the reference.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { type ScenarioName, type ScenarioReport, runScenario, SCENARIOS } from '../../sim/scenarios.js';
import { formatScenario, formatSummary } from '../../sim/report.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CliExit, printJson } from '../output.js';
import { writeFileAtomic } from '../../util/files.js';
import { machineInfo } from '../../util/machine.js';
import type { MachineInfo } from '../../bench/results.js';

const DEFAULT_NODES = 100;
const MAX_NODES = 5000;

function intOption(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`${name}: expected a whole number from ${min} to ${max}`);
    return n;
  };
}

function lossOption(value: string): number {
  const p = Number(value);
  if (!Number.isFinite(p) || p < 0 || p >= 0.5) throw new InvalidArgumentError('--loss: expected a probability from 0 to 0.5 (e.g. 0.01)');
  return p;
}

/** One scenario, or several separated by commas (run in the order given). */
function scenarioOption(value: string): ScenarioName[] {
  const names = value.split(',').map((v) => v.trim()).filter((v) => v.length > 0);
  for (const name of names) {
    if (!(SCENARIOS as readonly string[]).includes(name)) throw new InvalidArgumentError(`'${name}': expected one of ${SCENARIOS.join(', ')} (or several, comma-separated)`);
  }
  if (names.length === 0) throw new InvalidArgumentError(`expected one of ${SCENARIOS.join(', ')}`);
  return names as ScenarioName[];
}

interface SimOptions {
  scenario?: ScenarioName[];
  all?: boolean;
  nodes: number;
  seed: number;
  loss: number;
  json?: boolean;
  jsonOut?: string;
  verifyEach?: boolean;
}

/** The per-node heap figure is the live heap only after a full collection: make one possible. */
function exposeGc(): void {
  const g = globalThis as { gc?: () => void };
  if (g.gc !== undefined) return;
  setFlagsFromString('--expose-gc');
  g.gc = runInNewContext('gc') as () => void;
}

/** What `--json-out FILE` writes: the reports with when and where they ran (`npm run results` renders it). */
export interface SimResultsFile {
  date: string;
  machine: MachineInfo;
  settings: { nodes: number; seed: number; loss: number; verifyEach: boolean };
  reports: ScenarioReport[];
}

function simulate(opts: SimOptions): void {
  exposeGc();
  if ((opts.scenario === undefined) === (opts.all !== true)) throw new CliExit(2, 'skein sim: give --scenario NAME or --all');
  const names = opts.all === true ? [...SCENARIOS] : opts.scenario ?? [];
  const reports: ScenarioReport[] = [];
  for (const name of names) {
    const report = runScenario(name, { nodes: opts.nodes, seed: opts.seed, lossRate: opts.loss, verifyEach: opts.verifyEach === true });
    reports.push(report);
    if (opts.json !== true) process.stdout.write(`${formatScenario(report)}\n\n`);
  }
  if (opts.jsonOut !== undefined) {
    const file: SimResultsFile = { date: new Date().toISOString(), machine: machineInfo(), settings: { nodes: opts.nodes, seed: opts.seed, loss: opts.loss, verifyEach: opts.verifyEach === true }, reports };
    writeFileAtomic(opts.jsonOut, `${JSON.stringify(file, null, 2)}\n`, { force: true });
  }
  if (opts.json === true) printJson(reports.length > 1 ? reports : reports[0]);
  else if (reports.length > 1) process.stdout.write(`${formatSummary(reports)}\n`);
  if (!reports.every((r) => r.correct)) throw new CliExit(1, 'skein sim: some route tables differ from the reference (see above)');
}

export function registerSimCommands(program: Command): void {
  program.command('sim')
    .description('simulate the routing core on N virtual nodes (real signatures and certificates, virtual links and clock)')
    .option('--scenario <names>', `one of: ${SCENARIOS.join(', ')}; several, comma-separated, run in turn`, scenarioOption)
    .option('--all', 'run every scenario')
    .option('--nodes <n>', 'number of virtual nodes', intOption('--nodes', 3, MAX_NODES), DEFAULT_NODES)
    .option('--seed <n>', 'seed for topology, keys and loss', intOption('--seed', 0, 0xffff_ffff), 1)
    .option('--loss <p>', 'probability that a message is lost', lossOption, 0)
    .option('--verify-each', 'check every record signature on every node (no shared memo; slower)')
    .option('--json', 'print the report(s) as JSON')
    .option('--json-out <file>', 'also write the report(s), date and machine as JSON to FILE (for npm run results)')
    .action((opts: SimOptions) => simulate(opts));
}
