/**
 * `npm run soak -- --minutes N [--nodes K] [--seed S] [--no-restarts] [--json-out FILE]`:
 * runs the soak (soak.ts) as root, prints progress and the report's tables,
 * writes the report as JSON when asked (in the shape `npm run results`
 * reads from results/soak-results.json, plus the full report), and exits 1 when the run saw
 * stable-period loss, a checksum mismatch, an unrecovered fault or an
 * unexplained error line.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runSoak } from './soak.js';
import { machineInfo } from '../util/machine.js';
import { formatReport, soakResultRows, soakVerdict } from './soak-report.js';

const USAGE = 'usage: npm run soak -- --minutes N [--nodes K (default 6, at least 5)] [--seed S (default 1)] [--no-restarts] [--json-out FILE]';

function atLeast(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!Number.isFinite(v) || v < min) throw new Error(`--${name} ${text}: expected a number of at least ${min}\n${USAGE}`);
  return v;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { minutes: { type: 'string' }, nodes: { type: 'string' }, seed: { type: 'string' }, 'json-out': { type: 'string' }, 'no-restarts': { type: 'boolean' }, help: { type: 'boolean' } } });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  if (values.minutes === undefined) throw new Error(`--minutes is required\n${USAGE}`);
  const minutes = atLeast('minutes', values.minutes, 1, 0.5);
  const nodes = Math.round(atLeast('nodes', values.nodes, 6, 5));
  const seed = Math.round(atLeast('seed', values.seed, 1, 0));
  const report = await runSoak({ minutes, nodes, seed, restarts: values['no-restarts'] !== true, log: (line) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`) });
  process.stdout.write(`\n${formatReport(report)}\n`);
  // date, machine and rows are what `npm run results` renders (results/soak-results.json); the rest is the full report.
  const json = { date: report.startedAt, machine: machineInfo(), rows: soakResultRows(report), ...report };
  if (values['json-out']) writeFileSync(values['json-out'], `${JSON.stringify(json, null, 2)}\n`);
  const problems = soakVerdict(report);
  process.stdout.write(problems.length === 0 ? '\nverdict: pass\n' : `\nverdict: FAIL: ${problems.join('; ')}\n`);
  if (problems.length > 0) process.exitCode = 1;
}

main().catch((err: Error) => {
  process.stderr.write(`soak: ${err.message}\n`);
  process.exitCode = 2;
});
