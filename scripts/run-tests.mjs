#!/usr/bin/env node
// Runs the test suite with node's own test runner over TypeScript files (via tsx).
//
//   node scripts/run-tests.mjs [unit] [property] [sim] [integration] [-- extra node --test args]
//
// With no suite named, runs every suite. Integration tests build real network
// namespaces and need root (CAP_NET_ADMIN); without it they are skipped with a
// message saying so, never silently.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';

const ALL_SUITES = ['unit', 'property', 'sim', 'integration'];
const root = new URL('..', import.meta.url).pathname;

const dash = process.argv.indexOf('--');
const named = (dash === -1 ? process.argv.slice(2) : process.argv.slice(2, dash)).filter(Boolean);
const extra = dash === -1 ? [] : process.argv.slice(dash + 1);
for (const s of named) {
  if (!ALL_SUITES.includes(s)) {
    console.error(`run-tests: unknown suite '${s}' (known: ${ALL_SUITES.join(', ')})`);
    process.exit(2);
  }
}
let suites = named.length > 0 ? named : ALL_SUITES;

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (suites.includes('integration') && !isRoot) {
  console.log('run-tests: skipping integration tests: they build network namespaces and need root (CAP_NET_ADMIN)');
  suites = suites.filter((s) => s !== 'integration');
}

function findTests(dir) {
  let out = [];
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries.sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(findTests(p));
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

/**
 * Two runs, one after the other: the unit, property and simulator suites two
 * files at a time (no root, no network, virtual time: they do not compete
 * for anything but the CPU), then the integration suite one file at a time
 * (each builds network namespaces and measures real recoveries, which other
 * tests running beside it would distort).
 */
const batches = [
  { files: suites.filter((s) => s !== 'integration').flatMap((s) => findTests(join(root, 'test', s))), concurrency: 2 },
  { files: suites.includes('integration') ? findTests(join(root, 'test', 'integration')) : [], concurrency: 1 },
].filter((b) => b.files.length > 0);
if (batches.length === 0) {
  console.error(`run-tests: no test files found in ${suites.join(', ')}`);
  process.exit(1);
}

let child;
const forward = (sig) => child?.kill(sig);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);

function run({ files, concurrency }) {
  const args = ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, ...extra, ...files];
  return new Promise((resolve) => {
    child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

let failed = 0;
for (const batch of batches) failed = (await run(batch)) || failed;
process.exit(failed);
