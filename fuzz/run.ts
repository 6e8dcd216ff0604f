/**
 * `npm run fuzz -- [--target NAME[,NAME]] [--seconds N] [--runs N] [--seed N] [--hang-ms N] [--json FILE | --json-out FILE] [--list]`
 *
 * Runs each chosen target (default: all) in a child process of its own, one
 * after another, until it has done --runs executions or run --seconds,
 * whichever comes first; stops a target at its first finding. Findings are
 * written to fuzz/findings/<target>/ (kind-hash.bin: the input). Prints a
 * table, and writes the results as JSON with --json.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fuzzLoop, type LoopResult } from './engine/loop.js';
import { Watchdog } from './engine/watchdog.js';
import { targetNamed, TARGETS } from './targets/index.js';
import { machineInfo } from '../src/util/machine.js';

const HERE = new URL('.', import.meta.url).pathname;
const DEFAULTS = { seconds: 60, runs: Number.POSITIVE_INFINITY, seed: 1, hangMs: 2_000 };
const RESULT_PREFIX = 'FUZZ-RESULT ';
const PROGRESS_PREFIX = 'FUZZ-PROGRESS ';

interface Args {
  targets: string[];
  seconds: number;
  runs: number;
  seed: number;
  hangMs: number;
  json?: string;
  list: boolean;
  child?: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { targets: [], ...DEFAULTS, list: false };
  const num = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < 0) fail(`${flag} needs a non-negative number, got '${v ?? ''}'`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const v = argv[i + 1];
    switch (flag) {
      case '--target': a.targets.push(...(v ?? '').split(',').filter(Boolean)); i++; break;
      case '--seconds': a.seconds = num(flag, v); i++; break;
      case '--runs': a.runs = num(flag, v); i++; break;
      case '--seed': a.seed = num(flag, v); i++; break;
      case '--hang-ms': a.hangMs = num(flag, v); i++; break;
      case '--json': case '--json-out': a.json = v; i++; break;
      case '--child': a.child = v; i++; break;
      case '--list': a.list = true; break;
      default: fail(`unknown option '${flag}' (see fuzz/run.ts)`);
    }
  }
  for (const t of a.targets) if (targetNamed(t) === undefined) fail(`unknown target '${t}' (known: ${TARGETS.map((x) => x.name).join(', ')})`);
  return a;
}

function fail(message: string): never {
  console.error(`fuzz: ${message}`);
  process.exit(2);
}

async function runChild(name: string, a: Args): Promise<void> {
  const target = targetNamed(name)!;
  const findingsDir = join(HERE, 'findings', name);
  const watchdog = new Watchdog(name, a.hangMs, findingsDir, target.maxInputBytes);
  const result = await fuzzLoop(target, { runs: a.runs, seconds: a.seconds, seed: a.seed, hangMs: a.hangMs, corpusDir: join(HERE, 'corpus', name), findingsDir, watchdog,
    onProgress: (n) => process.stderr.write(`${PROGRESS_PREFIX}${n}\n`),
  });
  await watchdog.stop();
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

function runParent(a: Args): void {
  const names = a.targets.length > 0 ? a.targets : TARGETS.map((t) => t.name);
  const results: LoopResult[] = [];
  for (const name of names) {
    const args = ['--import', 'tsx', join(HERE, 'run.ts'), '--child', name, '--seconds', String(a.seconds), '--seed', String(a.seed), '--hang-ms', String(a.hangMs)];
    if (Number.isFinite(a.runs)) args.push('--runs', String(a.runs));
    const started = Date.now();
    const child = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
    const line = child.stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
    let r: LoopResult;
    if (line !== undefined) r = JSON.parse(line.slice(RESULT_PREFIX.length)) as LoopResult;
    else {
      const hang = /FUZZ-HANG \S+ (\S+)/.exec(child.stderr);
      const kind = hang ? 'hang' : 'crash';
      const message = hang ? `an execution never returned; input in ${hang[1]}` : `the process died (${child.signal ?? `exit ${child.status}`}): ${child.stderr.split('\n').filter((l) => !l.startsWith(PROGRESS_PREFIX)).join('\n').slice(-2000)}`;
      const progress = child.stderr.split('\n').filter((l) => l.startsWith(PROGRESS_PREFIX)).pop();
      const executions = progress === undefined ? 0 : Number(progress.slice(PROGRESS_PREFIX.length));
      r = { target: name, executions, seconds: (Date.now() - started) / 1000, seeds: 0, corpus: 0, outcomes: {}, seedOutcomes: [], findings: [{ kind, message, inputHex: '', ...(hang ? { file: hang[1]! } : {}) }] };
    }
    results.push(r);
    const rate = r.seconds > 0 ? Math.round(r.executions / r.seconds) : 0;
    console.log(`${r.target.padEnd(26)} ${String(r.executions).padStart(10)} execs ${r.seconds.toFixed(1).padStart(7)} s ${String(rate).padStart(7)}/s  outcomes ${String(Object.keys(r.outcomes).length).padStart(4)}  corpus ${String(r.corpus).padStart(4)}  findings ${r.findings.length}`);
    for (const f of r.findings) console.log(`  FINDING ${f.kind}: ${f.message.split('\n')[0]}${f.file ? ` (${f.file})` : ''}`);
  }
  if (a.json !== undefined) writeFileSync(a.json, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, machine: machineInfo(), results }, null, 2)}\n`);
  if (results.some((r) => r.findings.length > 0)) process.exitCode = 1;
}

const args = parseArgs(process.argv.slice(2));
if (args.list) for (const t of TARGETS) console.log(`${t.name.padEnd(26)} ${t.description}`);
else if (args.child !== undefined) await runChild(args.child, args);
else runParent(args);
