#!/usr/bin/env -S MALLOC_ARENA_MAX=1 node --expose-gc --compact-on-every-full-gc
// The flags: the collector for the daemon's paced collections, and full collections that give fragmented pages back; the environment: one malloc arena for all of node's threads (why: src/node/node-flags.ts; Node refuses the flags in NODE_OPTIONS, and glibc reads the environment before any code runs).
// Thin launcher, CommonJS (bin/package.json): an ES module entry makes Node start its ES module loader
// first (~15 ms of CPU), which the bundle never needs.
// The CLI is compiled to dist/ by `npm run build` (run by `npm install` via `prepare`), which also
// bundles it into one file, dist/bundle/skein.cjs (scripts/bundle-cli.mjs), run here with a V8 code
// cache (bin/code-cache.js, in the user's cache directory). In a checkout the bundle is used only when
// it is not older than dist/cli/main.js, so a later bare `tsc` never runs stale code; the npm package
// ships the bundle alone. SKEIN_NO_BUNDLE=1 runs dist/ as compiled (a checkout only).
'use strict';
const { statSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const compiled = join(__dirname, '..', 'dist', 'cli', 'main.js');
const bundled = join(__dirname, '..', 'dist', 'bundle', 'skein.cjs');
/**
 * A daemon saves its code cache this long after starting: by then it has
 * compiled what a start runs (links, routing, the first sessions), and the
 * one-off ~10 ms of serialising no longer competes with the start.
 */
const DAEMON_CACHE_SAVE_MS = 5_000;

function mtimeOf(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function bundleIsCurrent() {
  if (process.env.SKEIN_NO_BUNDLE === '1') return false;
  const bundle = mtimeOf(bundled);
  const modules = mtimeOf(compiled);
  return bundle !== undefined && (modules === undefined || bundle >= modules);
}

async function loadMain() {
  if (!bundleIsCurrent()) return (await import(pathToFileURL(compiled).href)).main;
  const { loadBundle, DAEMON_CACHE } = require('./code-cache.js');
  const daemon = process.argv.slice(2).find((a) => !a.startsWith('-')) === 'up';
  const loaded = loadBundle(bundled, daemon ? { name: DAEMON_CACHE, refreshBuildCache: true } : { name: 'cli' });
  if (daemon) setTimeout(loaded.save, DAEMON_CACHE_SAVE_MS).unref();
  process.once('exit', loaded.save);
  return loaded.exports.main;
}

loadMain().then((main) => main(process.argv)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`skein: internal error: ${err && err.message ? err.message : err}`); process.exitCode = 70; },
);
