/**
 * `npm run results [-- --bench FILE --experiments FILE --sim FILE --fuzz FILE --soak FILE --soak-memory FILE --check]`
 *
 * Rewrites the marked result sections of README.md and docs/*.md from the
 * JSON the tools write:
 *
 *   results:bench          npm run bench -- --out results/bench-results.json
 *   results:bench-full     (the same file, with relay floor, first pings, reroute gaps, memory)
 *   results:experiments    npm run bench -- experiments --out results/latency-experiments.json
 *   results:experiments-full  (the same file, every figure, how and why)
 *   results:sim            skein sim --all --nodes 300 --json-out results/sim-results.json
 *   results:fuzz           npm run fuzz -- --runs 1000000 --seconds 600 --json-out results/fuzz-results.json
 *   results:fuzz-campaign  (the same file, the full table)
 *   results:soak           results/soak-results.json ({date, machine, rows: [{...}]})
 *   results:soak-memory    npm run soak -- --minutes 35 --no-restarts --json-out results/soak-no-restarts-results.json
 *
 * Each file is looked for in results/, then in the repository root. A section
 * whose file is absent is left as it is, and said so. --check changes nothing
 * and exits 1 if a document would change.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { RESULTS_VERSION } from '../src/bench/results.js';
import { EXPERIMENTS_VERSION } from '../src/bench/experiments/results.js';
import { renderBench, renderBenchFull, renderExperiments, renderExperimentsFull, renderFuzz, renderFuzzCampaign, renderSim, renderSoak, renderSoakMemory, sectionsIn, updateDocument, type SectionName } from './results-render.js';

const ROOT = new URL('..', import.meta.url).pathname;
const DEFAULT_FILES = { bench: 'bench-results.json', experiments: 'latency-experiments.json', sim: 'sim-results.json', fuzz: 'fuzz-results.json', soak: 'soak-results.json', 'soak-memory': 'soak-no-restarts-results.json' } as const;
type Source = keyof typeof DEFAULT_FILES;

function fail(message: string): never {
  console.error(`results: ${message}`);
  process.exit(2);
}

function parseArgs(argv: string[]): { files: Partial<Record<Source, string>>; check: boolean } {
  const files: Partial<Record<Source, string>> = {};
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const source = flag.replace(/^--/, '') as Source;
    if (flag === '--check') check = true;
    else if (flag.startsWith('--') && source in DEFAULT_FILES) {
      const v = argv[++i];
      if (v === undefined) fail(`${flag} needs a file`);
      files[source] = v;
    } else fail(`unknown option '${flag}' (see scripts/update-results.ts)`);
  }
  return { files, check };
}

function findFile(source: Source, given: string | undefined): string | undefined {
  if (given !== undefined) {
    if (!existsSync(given)) fail(`--${source} ${given}: no such file`);
    return given;
  }
  return [join(ROOT, 'results', DEFAULT_FILES[source]), join(ROOT, DEFAULT_FILES[source])].find((f) => existsSync(f));
}

function readJson<T>(file: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (err) {
    return fail(`${file}: not valid JSON: ${(err as Error).message}`);
  }
}

function renderAll(files: Partial<Record<Source, string>>): { bodies: Partial<Record<SectionName, string>>; used: string[] } {
  const bodies: Partial<Record<SectionName, string>> = {};
  const used: string[] = [];
  const bench = findFile('bench', files.bench);
  if (bench) {
    const results = readJson<Parameters<typeof renderBench>[0]>(bench);
    // The tables read the fields of this version only; an older file is measured again, not converted.
    if (results.version !== RESULTS_VERSION) fail(`${bench}: bench results version ${String(results.version)}, these tables need version ${RESULTS_VERSION}: sudo npm run bench -- --out ${bench}`);
    bodies.bench = renderBench(results);
    bodies['bench-full'] = renderBenchFull(results);
    used.push(bench);
  }
  const experiments = findFile('experiments', files.experiments);
  if (experiments) {
    const file = readJson<Parameters<typeof renderExperiments>[0]>(experiments);
    if (file.version !== EXPERIMENTS_VERSION) fail(`${experiments}: experiments version ${String(file.version)}, these tables need version ${EXPERIMENTS_VERSION}: sudo npm run bench -- experiments --out ${experiments}`);
    bodies.experiments = renderExperiments(file);
    bodies['experiments-full'] = renderExperimentsFull(file);
    used.push(experiments);
  }
  const sim = findFile('sim', files.sim);
  if (sim) { bodies.sim = renderSim(readJson(sim)); used.push(sim); }
  const fuzz = findFile('fuzz', files.fuzz);
  if (fuzz) {
    const campaign = readJson<Parameters<typeof renderFuzz>[0]>(fuzz);
    bodies.fuzz = renderFuzz(campaign);
    bodies['fuzz-campaign'] = renderFuzzCampaign(campaign);
    used.push(fuzz);
  }
  const soak = findFile('soak', files.soak);
  if (soak) { bodies.soak = renderSoak(readJson(soak)); used.push(soak); }
  const soakMemory = findFile('soak-memory', files['soak-memory']);
  if (soakMemory) { bodies['soak-memory'] = renderSoakMemory(readJson(soakMemory)); used.push(soakMemory); }
  return { bodies, used };
}

const { files, check } = parseArgs(process.argv.slice(2));
const { bodies, used } = renderAll(files);
const docs = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => join('docs', f))];
let stale = 0;
for (const doc of docs) {
  const path = join(ROOT, doc);
  const text = readFileSync(path, 'utf8');
  const marked = sectionsIn(text);
  if (marked.length === 0) continue;
  const next = updateDocument(text, bodies, doc);
  const kept = marked.filter((s) => bodies[s] === undefined);
  const note = kept.length > 0 ? ` (kept as they are, no result file: ${kept.join(', ')})` : '';
  if (next === text) console.log(`${doc}: up to date${note}`);
  else if (check) { stale++; console.log(`${doc}: would change${note}`); }
  else { writeFileSync(path, next); console.log(`${doc}: rewritten${note}`); }
}
console.log(used.length > 0 ? `from ${used.map((f) => relative(process.cwd(), f)).join(', ')}` : 'no result files found (results/*.json or ./*.json): nothing regenerated');
if (stale > 0) process.exitCode = 1;
