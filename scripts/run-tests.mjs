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

const files = suites.flatMap((s) => findTests(join(root, 'test', s)));
if (files.length === 0) {
  console.error(`run-tests: no test files found in ${suites.join(', ')}`);
  process.exit(1);
}

const args = ['--import', 'tsx', '--test', '--test-reporter=spec', ...extra, ...files];
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
const forward = (sig) => child.kill(sig);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
