/**
 * The bundled CLI (dist/bundle/skein.cjs, what bin/skein.js runs after `npm
 * run build`, with its V8 code cache) behaves as the compiled one (dist/cli,
 * SKEIN_NO_BUNDLE=1): the same help, output and exit status for every
 * command area, real key and certificate files, and a daemon that starts
 * from the build's code cache and stops cleanly. Needs a build (CI builds
 * first); without one it is skipped with a message, not silently.
 */
import { DAEMON_NODE_FLAGS } from '../../src/node/node-flags.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { runUntilNodeUp } from '../helpers/process.js';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createRequire } from 'node:module';
import { makeStaticNode, makeTestCa } from '../helpers/static-nodes.js';

const ROOT = new URL('../../', import.meta.url);
const LAUNCHER = new URL('bin/skein.js', ROOT).pathname;
const COMPILED = new URL('dist/cli/main.js', ROOT);
const BUNDLE_DIR = new URL('dist/bundle/', ROOT);
const built = existsSync(COMPILED) && existsSync(new URL('skein.cjs', BUNDLE_DIR));
const skip = built ? false : 'no build: run `npm run build` first (dist/cli and dist/bundle)';
const UP_TIMEOUT_MS = 15_000;

type Entry = 'compiled' | 'bundled';

/** `skein ARGS` through bin/skein.js, from the bundle or (SKEIN_NO_BUNDLE=1) from dist/ as compiled. */
function runner(entry: Entry): { env: NodeJS.ProcessEnv } {
  const env = { ...process.env };
  if (entry === 'compiled') env.SKEIN_NO_BUNDLE = '1';
  else delete env.SKEIN_NO_BUNDLE;
  return { env };
}

function run(entry: Entry, args: readonly string[], cwd?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [LAUNCHER, ...args], { encoding: 'utf8', cwd, timeout: 20_000, ...runner(entry) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const codeCache = createRequire(import.meta.url)(new URL('bin/code-cache.js', ROOT).pathname) as { cacheDirectory(): string | undefined; cachePath(bundle: string, name: string, dir: string): string };
/** The user's cache directory, where the build and the daemons put the code cache (never the bundle's directory). */
const CACHE_DIR = codeCache.cacheDirectory();

/** The origin ('build' or 'run') in the header of the daemon's code cache, or null. */
function daemonCacheOrigin(): string | null {
  if (CACHE_DIR === undefined) return null;
  // The daemon runs with other node flags than this test: match its cache by the bundle's part of the name.
  const ours = basename(codeCache.cachePath(new URL('skein.cjs', BUNDLE_DIR).pathname, 'up', CACHE_DIR)).replace(/-[0-9a-f]{8}\.v8cache$/, '-');
  const file = existsSync(CACHE_DIR) ? readdirSync(CACHE_DIR).find((f) => f.startsWith(ours) && f.endsWith('.v8cache')) : undefined;
  return file ? readFileSync(join(CACHE_DIR, file)).subarray(0, 64).toString('latin1').split(' ')[1] ?? null : null;
}

test('the bundle prints the same help, output and errors as the compiled CLI, for every command area', { skip }, () => {
  const lines: string[][] = [
    ['--help'], ['--version'], ['help', 'up'], ['up', '--help'], ['ping', '--help'], ['lab', 'up', '--help'], ['ca', 'init', '--help'],
    ['cert', '--help'], ['sim', '--help'], ['demo', '--help'], ['web', '--help'], ['bench', '--help'], ['upp'], ['status', '--socket', '/nonexistent/skein.sock'],
    ['sim', '--nodes', '12', '--seed', '3', '--json'],
  ];
  for (const args of lines) {
    const a = run('compiled', args);
    const b = run('bundled', args);
    assert.deepEqual(b, a, `skein ${args.join(' ')}`);
  }
});

test('the bundle refuses a bad config with the same messages (zod\'s, in English)', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'skein-bundle-cfg-'));
  try {
    writeFileSync(join(dir, 'bad.toml'), 'name = 5\nlisten = { port = "x" }\n');
    const a = run('compiled', ['status', '--config', 'bad.toml'], dir);
    const b = run('bundled', ['status', '--config', 'bad.toml'], dir);
    assert.deepEqual(b, a);
    assert.match(b.stderr, /bad\.toml: name: Invalid input: expected string, received number/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the bundle makes a CA and a node whose certificate verifies', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'skein-bundle-'));
  try {
    assert.equal(run('bundled', ['ca', 'init', '--name', 'bt', '--out', 'ca'], dir).code, 0);
    assert.equal(run('bundled', ['init', '--ca', 'ca', '--name', 'n1', '--out', 'n1'], dir).code, 0);
    const v = run('bundled', ['cert', 'verify', '--ca', 'ca/ca.crt', 'n1/node.crt'], dir);
    const w = run('compiled', ['cert', 'verify', '--ca', 'ca/ca.crt', 'n1/node.crt'], dir);
    assert.deepEqual(v, w);
    assert.equal(v.code, 0, v.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a daemon from the bundle starts (node up) and stops cleanly on SIGTERM', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skein-bundle-up-'));
  try {
    const config = makeStaticNode(dir, makeTestCa(join(dir, 'ca'), 'bu'), 'solo', [], '\n[tun]\nenabled = false\n');
    assert.ok(daemonCacheOrigin() !== null, 'the build left the daemon\'s code cache');
    const { out, code } = await runUntilNodeUp([...DAEMON_NODE_FLAGS, LAUNCHER, 'up', '--config', config], runner('bundled'), UP_TIMEOUT_MS);
    assert.match(out, /"msg":"node up"/, out);
    assert.equal(code, 0, out);
    assert.match(out, /"msg":"stopped"/);
    assert.equal(daemonCacheOrigin(), 'run', 'the daemon replaced the build\'s cache with its own at exit');
    assert.deepEqual(readdirSync(BUNDLE_DIR).filter((f) => f.endsWith('.v8cache')), [], 'no cache in the bundle\'s directory');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
