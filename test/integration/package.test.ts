/**
 * The npm package (`npm pack`, then `npm install -g ./skein-0.1.0.tgz`):
 * the CLI bundle and what it needs at run time, and nothing else — no
 * source maps, no V8 code cache, no compiled modules beside the bundle, no
 * lab/bench/sim modules (their commands are in the bundle) — under a size
 * bound. Unpacked and run, the package works without writing into its own
 * directory: the code cache goes to the cache directory.
 *
 * Needs a build (CI builds first); without one it is skipped with a message.
 * `npm pack` runs with --ignore-scripts: the build it would run is done.
 */
import { DAEMON_NODE_FLAGS } from '../../src/node/node-flags.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { runUntilNodeUp } from '../helpers/process.js';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';

/** Bounds with room for growth: the packed package was ~0.48 MB (1.8 MB unpacked, 190 files) when this was written. */
const MAX_PACKED_BYTES = 700 * 1024;
const MAX_UNPACKED_BYTES = 2.5 * 1024 * 1024;
const MAX_FILES = 260;
const built = existsSync(join(REPO_ROOT, 'dist/bundle/skein.cjs')) && existsSync(join(REPO_ROOT, 'dist/bundle/api.cjs'));
const skip = built ? false : 'no build: run `npm run build` first (dist/bundle)';
const UP_TIMEOUT_MS = 15_000;

interface PackEntry { path: string; size: number }
interface Packed { size: number; unpackedSize: number; entryCount: number; files: PackEntry[]; filename: string }

function npm(args: readonly string[], cwd = REPO_ROOT): string {
  const r = spawnSync('npm', [...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `npm ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function dryRun(): Packed {
  return (JSON.parse(npm(['pack', '--dry-run', '--json', '--ignore-scripts'])) as Packed[])[0]!;
}

test('npm pack: the bundle and what it needs; no maps, no code cache, no lab/bench/sim modules; under the size bound', { skip }, () => {
  const p = dryRun();
  const paths = p.files.map((f) => f.path);
  process.stdout.write(`# npm pack: ${p.entryCount} files, ${(p.size / 1024).toFixed(0)} KiB packed, ${(p.unpackedSize / 1024).toFixed(0)} KiB unpacked\n`);
  assert.deepEqual(paths.filter((f) => f.endsWith('.map')), [], 'no source maps');
  assert.deepEqual(paths.filter((f) => f.endsWith('.v8cache')), [], 'no V8 code cache');
  assert.deepEqual(paths.filter((f) => f.startsWith('dist/') && f.endsWith('.js')), [], 'no compiled modules: the bundle holds them');
  assert.deepEqual(paths.filter((f) => /^(dist|src)\/(lab|bench|sim|cli)\//.test(f) || /\/bench\//.test(f)), []);
  assert.deepEqual(paths.filter((f) => f.startsWith('test/') || f.startsWith('fuzz/') || (f.startsWith('src/') && !f.startsWith('src/control/web/'))), []);
  for (const needed of ['bin/skein.js', 'bin/code-cache.js', 'bin/package.json', 'dist/bundle/skein.cjs', 'dist/bundle/api.cjs', 'dist/api.d.ts',
    'binding.gyp', 'native/tun.c', 'native/aead.c', 'scripts/build-native.mjs', 'deploy/skein.service', 'deploy/skein.sysusers', 'LICENSE', 'README.md', 'package.json']) {
    assert.ok(paths.includes(needed), `ships ${needed}`);
  }
  assert.ok(paths.some((f) => f.startsWith('src/control/web/')), 'ships the topology page\'s files');
  assert.ok(p.size <= MAX_PACKED_BYTES, `packed ${p.size} B > ${MAX_PACKED_BYTES} B`);
  assert.ok(p.unpackedSize <= MAX_UNPACKED_BYTES, `unpacked ${p.unpackedSize} B > ${MAX_UNPACKED_BYTES} B`);
  assert.ok(p.entryCount <= MAX_FILES, `${p.entryCount} files > ${MAX_FILES}`);
  // The install script runs from the package: everything it names is shipped.
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; license: string };
  assert.match(pkg.scripts.install ?? '', /^node scripts\/build-native\.mjs$/);
  assert.equal(pkg.license, 'MIT');
  assert.match(readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8'), /^MIT License\n\nCopyright \(c\) 2026 the Skein authors\n/);
  // Every type declaration the shipped ones import is shipped too.
  const shipped = new Set(paths);
  for (const f of paths.filter((x) => x.endsWith('.d.ts'))) {
    for (const m of readFileSync(join(REPO_ROOT, f), 'utf8').matchAll(/(?:from|import)\s*\(?\s*["'](\.[^"']+)["']/g)) {
      const target = posix.join(posix.dirname(f), m[1]!).replace(/\.js$/, '.d.ts');
      assert.ok(shipped.has(target), `${f} imports ${m[1]}, which the package lacks (${target})`);
    }
  }
});

/** Every file under `dir`, relative to it. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

test('the packed package runs from where it is installed: CLI, library and daemon, writing nothing into itself', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skein-package-'));
  try {
    const packed = (JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', dir])) as Packed[])[0]!;
    const pkgDir = join(dir, 'node_modules', 'skein');
    mkdirSync(pkgDir, { recursive: true });
    const untar = spawnSync('tar', ['-xzf', join(dir, packed.filename), '-C', pkgDir, '--strip-components=1'], { encoding: 'utf8' });
    assert.equal(untar.status, 0, untar.stderr);
    // The dependencies npm would install beside it: this checkout's.
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(pkgDir, 'node_modules'));
    const before = listFiles(pkgDir).filter((f) => !f.startsWith('node_modules'));
    const cacheDir = join(dir, 'cache');
    const env: NodeJS.ProcessEnv = { ...process.env, SKEIN_CACHE_DIR: cacheDir };
    delete env.SKEIN_NO_BUNDLE;
    delete env.SKEIN_CONFIG;
    const skein = (...args: string[]) => spawnSync(process.execPath, [join(pkgDir, 'bin/skein.js'), ...args], { cwd: dir, env, encoding: 'utf8', timeout: 30_000 });

    const version = skein('--version');
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout.trim(), '0.1.0');
    assert.equal(skein('ca', 'init', '--name', 'pk', '--out', 'ca').status, 0);
    const init = skein('init', '--ca', 'ca', '--name', 'n1', '--out', 'n1');
    assert.equal(init.status, 0, init.stderr);
    assert.equal(skein('cert', 'verify', '--ca', 'ca/ca.crt', 'n1/node.crt').status, 0);

    // The library, as an ES module importing the package by name.
    writeFileSync(join(dir, 'lib.mjs'), "import { openNode, MAX_PORT, SkeinNode } from 'skein';\nconsole.log(typeof openNode, MAX_PORT, typeof SkeinNode);\n");
    const lib = spawnSync(process.execPath, [join(dir, 'lib.mjs')], { cwd: dir, env, encoding: 'utf8', timeout: 30_000 });
    assert.equal(lib.status, 0, lib.stderr);
    assert.equal(lib.stdout.trim(), 'function 65535 function');

    writeFileSync(join(dir, 'n1', 'skein.toml'), `${readFileSync(join(dir, 'n1', 'skein.toml'), 'utf8')}\n[tun]\nenabled = false\n`.replace(/^port = \d+$/m, 'port = 0'));
    const { out, code } = await runUntilNodeUp([...DAEMON_NODE_FLAGS, join(pkgDir, 'bin/skein.js'), 'up', '--config', join(dir, 'n1', 'skein.toml'), '--state-dir', join(dir, 'state')], { cwd: dir, env }, UP_TIMEOUT_MS);
    assert.match(out, /"msg":"node up"/, out);
    assert.equal(code, 0, out);

    assert.deepEqual(listFiles(pkgDir).filter((f) => !f.startsWith('node_modules')), before, 'nothing written into the package');
    assert.ok(readdirSync(cacheDir).some((f) => f.endsWith('.v8cache')), 'the code cache went to the cache directory');
    assert.ok(existsSync(join(dir, 'state', 'skein.seq')), 'the state went to --state-dir');
    assert.ok(!existsSync(join(dir, 'n1', 'skein.seq')), 'not beside the config');
    assert.equal(dirname(join(pkgDir, 'dist/bundle/skein.cjs')), join(pkgDir, 'dist', 'bundle'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
