import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderBench, renderBenchFull, renderFuzz, renderFuzzCampaign, renderSim, renderSoak, renderSoakMemory, replaceSection, sectionsIn, updateDocument, type FuzzCampaignFile, type SoakResultsFile } from '../../scripts/results-render.js';
import type { MachineInfo } from '../../src/bench/results.js';
import type { SimResultsFile } from '../../src/cli/commands/sim.js';
import { benchResults, path } from '../helpers/bench-results.js';

const machine: MachineInfo = { nproc: 2, cpuModel: 'AMD EPYC', kernel: '6.18.44', node: 'v20.20.2', loadAverage: [1.4, 1.1, 0.9] };

const bench = benchResults({
  date: '2026-11-26T02:27:00.000Z', durationMs: 63_000, machine,
  runs: [...benchResults().runs.filter((r) => r.transport !== 'skein'), path('skein', 1, 2_052, 1.103), path('skein', 3, 1_031, 1.895)],
  startup: [{ transport: 'skein', label: 'cold start', from: 'n1', to: 'n4', hops: 3, firstPingMs: 875, attempts: 9 }, ...benchResults().startup.filter((s) => s.transport === 'yggdrasil')],
});

const sim: SimResultsFile = {
  date: '2026-11-25T12:00:00.000Z', machine, settings: { nodes: 1000, seed: 1, loss: 0, verifyEach: false },
  reports: [{
    scenario: 'ring', topology: 'ring', nodes: 1000, links: 1000, seed: 1, lossRate: 0,
    phases: [{ phase: 'start', convergenceMs: 11629, quiet: true, messagesPerNode: 2004, bytesPerNode: 326 * 1024, databaseRecords: 1000, databaseBytes: 289 * 1024, check: { correct: true, mismatches: 0 } }],
    worstRouteComputationMs: 64, meanRouteComputationMs: 1.42, messagesLost: 0, eventsRun: 1, realMs: 160_000, correct: true, heapBytesPerNode: 1_200_000, heapMeasuredAfterGc: true,
  }],
};

const fuzz: FuzzCampaignFile = {
  date: '2026-12-01T20:00:00.000Z', node: 'v20.20.2',
  results: [
    { target: 'dns', executions: 1_000_000, seconds: 498, seeds: 9, corpus: 9, outcomes: { a: 1, b: 1 }, seedOutcomes: [], findings: [] },
    { target: 'session', executions: 385_728, seconds: 600, seeds: 3, corpus: 85, outcomes: {}, seedOutcomes: [], findings: [{ kind: 'crash', message: 'boom | here\nstack', inputHex: '' }] },
  ],
};

const soak: SoakResultsFile = { date: '2026-12-02', machine: '2 vCPUs (AMD EPYC)', rows: [{ phase: 'steady', hours: 1, rssMiB: 100 }, { phase: 'churn', drops: 0 }] };

const SAMPLE = [
  '# Title',
  '',
  'Hand-written text before. <!-- not a marker -->',
  '<!-- results:bench -->',
  'old bench table',
  '<!-- /results:bench -->',
  'Middle text stays.',
  '<!-- results:sim -->',
  '<!-- /results:sim -->',
  '<!-- results:fuzz -->',
  'old fuzz',
  '<!-- /results:fuzz -->',
  '<!-- results:soak -->',
  'soak text kept when no soak file exists',
  '<!-- /results:soak -->',
  'Trailing text, untouched.',
  '',
].join('\n');

const outside = (text: string): string => text.replace(/<!-- results:([a-z-]+) -->[\s\S]*?<!-- \/results:\1 -->/g, '<$1>');

test('a run rewrites only what lies between markers, and a second run changes nothing', () => {
  const bodies = { bench: renderBench(bench), sim: renderSim(sim), fuzz: renderFuzz(fuzz) };
  const once = updateDocument(SAMPLE, bodies, 'sample');
  assert.notEqual(once, SAMPLE);
  assert.equal(updateDocument(once, bodies, 'sample'), once);
  assert.equal(outside(once), outside(SAMPLE));
  assert.ok(once.includes('soak text kept when no soak file exists'), 'a section without a result file is left alone');
  assert.ok(!once.includes('old bench table') && !once.includes('old fuzz'));
  assert.deepEqual(sectionsIn(SAMPLE), ['bench', 'sim', 'fuzz', 'soak']);
});

test('a document without markers comes back byte for byte', () => {
  const text = '# Plain\n\nNo results here.\n';
  assert.equal(updateDocument(text, { bench: renderBench(bench), soak: renderSoak(soak) }), text);
});

test('unbalanced markers are an error naming the document and section', () => {
  assert.throws(() => replaceSection('<!-- results:bench -->\nno end\n', 'bench', 'x', 'README.md'), /README\.md: unbalanced <!-- results:bench -->/);
  assert.throws(() => replaceSection('<!-- /results:sim -->\n<!-- results:sim -->\n', 'sim', 'x', 'doc'), /doc: unbalanced/);
  assert.throws(() => replaceSection('<!-- results:fuzz -->\n<!-- results:fuzz -->\n<!-- /results:fuzz -->\n', 'fuzz', 'x'), /opened twice/);
});

test('every rendered section states its date and machine', () => {
  assert.match(renderBench(bench), /^Measured 2026-11-26T02:27:00.000Z \(one run, 63 s\): 2 cores \(AMD EPYC\), Linux 6\.18\.44, Node v20\.20\.2/);
  assert.match(renderBench(bench), /^\| skein, MTU 64000 \| 3 \| 1,031 \| - \| - \| 875 ms \| n1 97 · n2 61 · n3 0 · n4 1 \| 64 \/ 100 \/ 104 \|$/m);
  assert.match(renderBench(bench), /^\| yggdrasil, MTU 53049 \| 3 \| 350 \| 2\.00 \/ 1\.60 \| 1\.50 \/ 1\.25 \| 100 ms \|/m);
  assert.match(renderBench(bench), /^Skein ÷ Yggdrasil \(default MTUs\): Mbit\/s 1 hop 2\.05×, 3 hops 2\.95×; .*first ping 8\.75×; RSS idle 8\.00×/m);
  assert.match(renderBenchFull(bench), /^\| skein \| 3 \| 64000 \| 1,031 \| 10\.3% \|/m, 'the full section adds each path against the limit');
  assert.match(renderBenchFull(bench), /^- first ping n1 → n4 \(3 hops\), skein cold start: 875 ms/m);
  assert.ok(renderBenchFull(bench).startsWith(renderBench(bench)), 'the full section begins with the README\'s path table');
  assert.equal(renderBenchFull(bench).split('Skein ÷ Yggdrasil').length, 2, 'the ratio line once');
  assert.match(renderBenchFull(bench), /\| first ping across the line after starting all daemons \| 875 ms \| < 1000 ms \| PASS \|/);
  assert.doesNotMatch(renderBench(bench), /first ping across/, 'the targets live in docs/benchmark.md, not the README');
  assert.match(renderSim(sim), /^Measured 2026-11-25T12:00:00.000Z: 2 cores \(AMD EPYC\).*; 1000 nodes, seed 1\./);
  assert.match(renderSim(sim), /\| ring \| 1000 \| 1000 \| 11629 \| 2004 \| 326\.0 \| 1000 \(289\.0 KiB\) \| 1\.42 \/ 64\.0 \| 1171\.9 \| - \| yes \| 160\.0 \|/);
  assert.match(renderFuzz(fuzz), /^Campaign of 2026-12-01: Node v20\.20\.2, machine not recorded\./);
  assert.match(renderFuzz(fuzz), /\| session \| 385,728 \| crash: boom \\\| here \|/);
  assert.match(renderFuzzCampaign(fuzz), /\| dns \| 1,000,000 \| 498 \| 2,008 \| 2 \| 9 \| none \|/);
  const s = renderSoak(soak);
  assert.match(s, /^Measured 2026-12-02: 2 vCPUs \(AMD EPYC\)\./);
  assert.match(s, /\| phase \| hours \| rssMiB \| drops \|/);
  assert.match(s, /\| churn \| - \| - \| 0 \|/);
  const memory = renderSoakMemory({
    ...soak,
    options: { minutes: 35, seed: 11, restarts: false },
    memoryGrowth: [{ node: 'n1', spanMs: 30 * 60_000, firstKiB: 96_256, lastKiB: 97_280, mibPer10Min: 0.31 }, { node: 'n2', spanMs: 4 * 60_000, firstKiB: 1024, lastKiB: 1024, mibPer10Min: null }],
  });
  assert.match(memory, /^`npm run soak -- --minutes 35 --seed 11 --no-restarts` \(one process per node for the whole run\)\. Measured 2026-12-02: /);
  assert.match(memory, /^\| n1 \| 30 min \| 94\.0 MiB \| 95\.0 MiB \| 0\.31 \|$/m);
  assert.match(memory, /^\| n2 \| 4 min \| 1\.0 MiB \| 1\.0 MiB \| not judged \|$/m);
});

test('the README and docs pages carry balanced markers, and their current text survives a run unchanged', () => {
  const root = new URL('../../', import.meta.url).pathname;
  const docs = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join('docs', f))];
  const found = new Set<string>();
  for (const doc of docs) {
    const text = readFileSync(join(root, doc), 'utf8');
    for (const name of sectionsIn(text)) {
      found.add(name);
      const open = `<!-- results:${name} -->\n`;
      const current = text.slice(text.indexOf(open) + open.length, text.indexOf(`<!-- /results:${name} -->`));
      assert.equal(replaceSection(text, name, current, doc), text, `${doc}: ${name}`);
    }
  }
  assert.deepEqual([...found].sort(), ['bench', 'bench-full', 'experiments', 'experiments-full', 'fuzz', 'fuzz-campaign', 'sim', 'soak', 'soak-memory']);
});
