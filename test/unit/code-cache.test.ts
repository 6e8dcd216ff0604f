/**
 * bin/code-cache.js: the CLI bundle's V8 code cache is used only when it was
 * made from this very bundle file (and runtime), and anything wrong with it
 * (stale, corrupt, foreign, a symlink, unwritable) falls back to compiling
 * from source, silently, with the same results.
 *
 * Each load runs in a fresh node process, as `skein` does: within one
 * process V8 reuses what it compiled before and never looks at the cache.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CODE_CACHE = new URL('../../bin/code-cache.js', import.meta.url).pathname;
const { MAGIC } = createRequire(import.meta.url)(CODE_CACHE) as { MAGIC: string };

interface Outcome {
  value: number;
  sum: number;
  usedCache: boolean;
  cacheOrigin: 'build' | 'run' | null;
  saved: boolean | null;
  cache: string;
}

/** A CommonJS "bundle" with enough code that V8 has something to cache. */
function bundleSource(answer: number): string {
  const helpers = Array.from({ length: 200 }, (_, i) => `function helper${i}(x) { return x * ${i} + ${i % 7}; }`).join('\n');
  return `'use strict';\n${helpers}\nexports.value = ${answer};\nexports.sum = (n) => { let s = 0; for (let i = 0; i < n; i++) s += helper${answer % 200}(i); return s; };\n`;
}

/** What a child process sees loading `file` (and saving the cache, unless `save` is false). */
const CHILD = `const c = require(${JSON.stringify(CODE_CACHE)});
const [file, opts, save] = process.argv.slice(2);
const l = c.loadBundle(file, JSON.parse(opts));
const saved = save === '1' ? l.save() : null;
console.log(JSON.stringify({ value: l.exports.value, sum: l.exports.sum(10), usedCache: l.usedCache, cacheOrigin: l.cacheOrigin, saved, cache: c.cachePath(file, 'test', JSON.parse(opts).cacheDir) }));`;

function withBundle(fn: (load: (opts?: { origin?: 'build' | 'run'; refreshBuildCache?: boolean; save?: boolean; cacheDir?: string }) => Outcome, file: string, dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'skein-code-cache-'));
  try {
    const file = join(dir, 'skein.cjs');
    const child = join(dir, 'child.cjs');
    writeFileSync(file, bundleSource(42));
    writeFileSync(child, CHILD);
    fn(({ save = true, ...opts } = {}) => {
      const r = spawnSync(process.execPath, [child, file, JSON.stringify({ name: 'test', cacheDir: dir, ...opts }), save ? '1' : '0'], { encoding: 'utf8', timeout: 10_000 });
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as Outcome;
      assert.equal(out.value, Number(/exports\.value = (\d+)/.exec(readFileSync(file, 'utf8'))?.[1]), 'the bundle ran');
      return out;
    }, file, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('first run compiles and saves the cache (atomically, no temporary left); the next run uses it', () => {
  withBundle((load, _file, dir) => {
    const first = load();
    assert.equal(first.usedCache, false);
    assert.equal(first.saved, true);
    assert.ok(readFileSync(first.cache).subarray(0, 40).toString('latin1').startsWith(`${MAGIC} run `));
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
    const second = load();
    assert.equal(second.usedCache, true);
    assert.equal(second.cacheOrigin, 'run');
    assert.equal(second.sum, first.sum);
    assert.equal(second.saved, false, 'a usable cache is not rewritten');
  });
});

test('a rebuilt bundle never runs with the old cache, even at the same length', () => {
  withBundle((load, file) => {
    load();
    writeFileSync(file, bundleSource(43)); // same length, other code
    utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    const after = load();
    assert.equal(after.usedCache, false);
    assert.equal(after.value, 43);
  });
});

test('a damaged cache is never given to V8 (damage mid-payload aborted node): compiled from source and replaced', () => {
  withBundle((load) => {
    const { cache } = load();
    const bytes = readFileSync(cache);
    const header = bytes.indexOf(10) + 1;
    const mid = Buffer.from(bytes);
    for (let i = header + 200; i < mid.length; i += 7) mid[i]! ^= 0x5a;
    const cases: Array<[string, Buffer]> = [
      ['payload damaged in the middle', mid],
      ['payload truncated', bytes.subarray(0, header + 100)],
      ['no payload', bytes.subarray(0, header)],
      ['another magic', Buffer.concat([Buffer.from('not-skein'), bytes.subarray(bytes.indexOf(32))])],
      ['no newline', Buffer.from('x'.repeat(5_000))],
      ['unknown origin', Buffer.from(bytes.toString('latin1').replace(' run ', ' other '), 'latin1')],
    ];
    for (const [what, content] of cases) {
      writeFileSync(cache, content);
      const loaded = load();
      assert.equal(loaded.usedCache, false, what);
      assert.equal(loaded.saved, true, `${what}: replaced`);
      assert.equal(load().usedCache, true, `${what}: the replacement works`);
    }
  });
});

test('a cache others may write, or a symlink, is never used', () => {
  withBundle((load, _file, dir) => {
    const { cache } = load();
    chmodSync(cache, 0o664);
    assert.equal(load({ save: false }).usedCache, false, 'group-writable');
    chmodSync(cache, 0o644);
    assert.equal(load({ save: false }).usedCache, true);
    const elsewhere = join(dir, 'elsewhere.v8cache');
    writeFileSync(elsewhere, readFileSync(cache));
    rmSync(cache);
    symlinkSync(elsewhere, cache);
    assert.equal(load({ save: false }).usedCache, false, 'symlink');
    if (process.getuid?.() === 0) {
      rmSync(cache);
      writeFileSync(cache, readFileSync(elsewhere), { mode: 0o644 });
      chownSync(cache, 65534, 65534);
      assert.equal(load({ save: false }).usedCache, false, 'owned by another user than us and the bundle\'s owner');
    }
  });
});

test('a cache that cannot be written is skipped without an error', () => {
  withBundle((load, _file, dir) => {
    const { cache } = load({ save: false });
    mkdirSync(cache); // rename onto a directory fails
    assert.equal(load().saved, false);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
    assert.equal(load().usedCache, false);
  });
});

test('the build\'s cache is used, and replaced by a run\'s only when the daemon asks (refreshBuildCache)', () => {
  withBundle((load) => {
    assert.equal(load({ origin: 'build' }).saved, true);
    const cli = load();
    assert.equal(cli.cacheOrigin, 'build');
    assert.equal(cli.saved, false);
    const daemon = load({ refreshBuildCache: true });
    assert.equal(daemon.usedCache, true);
    assert.equal(daemon.saved, true);
    assert.equal(load().cacheOrigin, 'run');
  });
});

test('cache names are checked: one cache per bundle file, kind of run and node flags, in the cache directory', () => {
  const { cachePath } = createRequire(import.meta.url)(CODE_CACHE) as { cachePath(file: string, name: string, dir: string): string };
  assert.throws(() => cachePath('/x/skein.cjs', '../evil', '/c'));
  assert.match(cachePath('/x/skein.cjs', 'up', '/c'), /^\/c\/skein\.cjs\.[0-9a-f]{8}\.up-[0-9a-f]{8}\.v8cache$/);
  assert.notEqual(cachePath('/x/skein.cjs', 'up', '/c'), cachePath('/y/skein.cjs', 'up', '/c'), 'two installs do not share a cache file');
});

test('the cache directory: SKEIN_CACHE_DIR, the unit\'s CACHE_DIRECTORY, XDG_CACHE_HOME/skein, ~/.cache/skein; relative ones are ignored', () => {
  const { cacheDirectory } = createRequire(import.meta.url)(CODE_CACHE) as { cacheDirectory(env: Record<string, string>): string | undefined };
  const all = { SKEIN_CACHE_DIR: '/s', CACHE_DIRECTORY: '/var/cache/skein:/var/cache/other', XDG_CACHE_HOME: '/x', HOME: '/home/u' };
  assert.equal(cacheDirectory(all), '/s');
  assert.equal(cacheDirectory({ ...all, SKEIN_CACHE_DIR: '' }), '/var/cache/skein');
  assert.equal(cacheDirectory({ XDG_CACHE_HOME: '/x', HOME: '/home/u' }), '/x/skein');
  assert.equal(cacheDirectory({ XDG_CACHE_HOME: 'rel', HOME: '/home/u' }), '/home/u/.cache/skein');
  assert.equal(cacheDirectory({}), undefined);
});

test('the cache is written into its directory (created 0700), never beside the bundle; without a directory there is none', () => {
  withBundle((load, file, dir) => {
    const cacheDir = join(dir, 'cache', 'skein');
    const first = load({ cacheDir });
    assert.equal(first.saved, true);
    assert.ok(first.cache.startsWith(`${cacheDir}/`));
    assert.equal(statSync(cacheDir).mode & 0o777, 0o700);
    assert.equal(load({ cacheDir }).usedCache, true);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.v8cache')), [], 'nothing beside the bundle');
    const r = spawnSync(process.execPath, ['-e', `const l = require(${JSON.stringify(CODE_CACHE)}).loadBundle(${JSON.stringify(file)}, { name: 'test', cacheDir: undefined }); process.stdout.write(String(l.save()))`], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    assert.equal(r.stdout, 'false', r.stderr);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.v8cache')), []);
  });
});
