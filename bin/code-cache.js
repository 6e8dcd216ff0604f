'use strict';
/**
 * Runs the CLI bundle (one CommonJS file) with a V8 code cache beside it, so
 * a start skips most of V8's parsing and compiling. Why: a daemon start was
 * ~440 ms of CPU to "node up", of which ~120 ms was compiling the bundle's
 * code; with the cache it is ~320 ms (medians of 8 starts each, one at a
 * time, 2026-11-26, 2 shared vCPUs), and a mesh starts several daemons on
 * few cores. Node 20 has no module.enableCompileCache (Node 22), but
 * vm.Script takes `cachedData` and `createCachedData()` (what
 * v8-compile-cache does).
 *
 * Robustness rules:
 * - A cache is used only when its header names this bundle file (size,
 *   mtime, inode, device), this Node/V8 version and architecture, and the
 *   same node flags (V8 refuses code from other flags). V8 itself checks
 *   only the source's length, so the header is what keeps a rebuilt bundle
 *   from running stale code.
 * - The header carries the payload's SHA-256: V8 (11.3, Node 20) checks a
 *   cache's length but not its checksum, and a payload damaged in the
 *   middle aborted the process ("Fatal error ... unreachable code").
 * - Anything wrong (missing, unreadable, foreign header, rejected by V8)
 *   means compiling from source, silently, and writing a fresh cache later.
 * - Written to a temporary file (O_EXCL) and renamed: readers see a whole
 *   cache or none. A directory we cannot write (a read-only install) just
 *   means no cache.
 * - The cache is code: it is read only when owned by us or by the bundle's
 *   owner and writable by no one else, with O_NOFOLLOW, from a cache
 *   directory of the user who runs skein (cacheDirectory below), created
 *   0700. Never beside the bundle: an installed package's directory is not
 *   ours to write, and a cache made on one machine is useless on another.
 * - The build (scripts/bundle-cli.mjs → scripts/train-code-cache.cjs)
 *   leaves a cache of the daemon's modules ("build"); the first daemon to
 *   run replaces it with one that also holds the code a start runs ("run").
 */
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createHash } = require('node:crypto');
const { Module, createRequire } = require('node:module');

const MAGIC = 'skein-v8-code-cache/1';
/** The cache `skein up` uses; the build fills it (scripts/train-code-cache.cjs). */
const DAEMON_CACHE = 'up';
/** A first line longer than this is not one of our headers. */
const MAX_HEADER_BYTES = 4096;
/** The daemon's cache is ~1 MB; anything far larger is not ours. */
const MAX_CACHE_BYTES = 64 * 1024 * 1024;
/** Group- or world-writable: someone else could have put code in it. */
const FOREIGN_WRITE_BITS = 0o022;
/** Who wrote a cache: the build's warm-up (module code only) or a real run. */
const ORIGINS = new Set(['build', 'run']);

function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

/** 32-bit FNV-1a as 8 hex digits: a short, stable file-name tag (not a security check). */
function shortHash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/**
 * Where this user's caches go: $SKEIN_CACHE_DIR; else the systemd unit's
 * CacheDirectory= ($CACHE_DIRECTORY, /var/cache/skein); else
 * $XDG_CACHE_HOME/skein; else ~/.cache/skein. Undefined: no cache.
 */
function cacheDirectory(env = process.env) {
  const absolute = (p) => (p && path.isAbsolute(p) ? p : undefined);
  return absolute(env.SKEIN_CACHE_DIR)
    ?? absolute((env.CACHE_DIRECTORY || '').split(':')[0])
    ?? (absolute(env.XDG_CACHE_HOME) ? path.join(env.XDG_CACHE_HOME, 'skein') : undefined)
    ?? (absolute(env.HOME) ? path.join(env.HOME, '.cache', 'skein') : undefined);
}

/**
 * One cache per bundle file, kind of run and set of node flags: `skein up`
 * and the other commands compile different code, and a checkout and an
 * installed package share one cache directory.
 */
function cachePath(bundle, name, dir) {
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(name)) throw new Error(`code cache name '${name}' is not [a-z][a-z0-9-]*`);
  return path.join(dir, `${path.basename(bundle)}.${shortHash(path.resolve(bundle))}.${name}-${shortHash(process.execArgv.join('\0'))}.v8cache`);
}

/** What a cache must have been made from (bundle file identity + runtime), as one line of JSON. */
function cacheKey(bundleStat) {
  return JSON.stringify({
    node: process.version,
    v8: process.versions.v8,
    arch: process.arch,
    execArgv: process.execArgv,
    size: String(bundleStat.size),
    mtimeNs: String(bundleStat.mtimeNs),
    ino: String(bundleStat.ino),
    dev: String(bundleStat.dev),
  });
}

function readWhole(fd, size) {
  const data = Buffer.allocUnsafe(size);
  let off = 0;
  while (off < size) {
    const n = fs.readSync(fd, data, off, size - off, off);
    if (n === 0) break;
    off += n;
  }
  return data.subarray(0, off);
}

/** The cache's payload and origin, or undefined when there is none we may use. Never throws. */
function readCache(file, key, bundleOwner) {
  let fd;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.size > MAX_CACHE_BYTES || (st.mode & FOREIGN_WRITE_BITS) !== 0) return undefined;
    const me = typeof process.geteuid === 'function' ? process.geteuid() : st.uid;
    if (st.uid !== me && st.uid !== bundleOwner) return undefined;
    const data = readWhole(fd, st.size);
    const nl = data.indexOf(10);
    if (nl < 0 || nl > MAX_HEADER_BYTES) return undefined;
    const [magic, origin, digest, ...rest] = data.subarray(0, nl).toString('utf8').split(' ');
    if (magic !== MAGIC || !ORIGINS.has(origin) || rest.join(' ') !== key) return undefined;
    const payload = data.subarray(nl + 1);
    if (sha256(payload) !== digest) return undefined;
    return { origin, data: payload };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Write atomically (temporary file + rename); false when it could not be written. Never throws. */
function writeCache(file, key, origin, data) {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(`${MAGIC} ${origin} ${sha256(data)} ${key}\n`), data]), { mode: 0o644, flag: 'wx' });
    fs.renameSync(tmp, file);
    return true;
  } catch {
    try { fs.unlinkSync(tmp); } catch { /* never created */ }
    return false;
  }
}

/**
 * Evaluate the CommonJS file `bundle` as `require` would, compiled with the
 * code cache `name` (in `cacheDir`, default cacheDirectory()) when a usable
 * one exists; without a cache directory, compiled from source.
 *
 * Returns its exports, whether the cache was used, and `save()`, which
 * writes the cache (once) when there was none, V8 refused it, or it came
 * from the build and `refreshBuildCache` is set. Call `save()` after the
 * code worth caching has run: V8 stores what has been compiled by then.
 */
function loadBundle(bundle, { name, origin = 'run', refreshBuildCache = false, cacheDir = cacheDirectory() }) {
  const fd = fs.openSync(bundle, 'r');
  let source;
  let st;
  try {
    st = fs.fstatSync(fd, { bigint: true });
    source = readWhole(fd, Number(st.size)).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
  const key = cacheKey(st);
  const file = cacheDir === undefined ? undefined : cachePath(bundle, name, cacheDir);
  const cached = file === undefined ? undefined : readCache(file, key, Number(st.uid));
  const script = new vm.Script(Module.wrap(source), { filename: bundle, ...(cached ? { cachedData: cached.data } : {}) });
  const usedCache = cached !== undefined && !script.cachedDataRejected;
  const dir = path.dirname(bundle);
  const mod = new Module(bundle, null);
  mod.filename = bundle;
  mod.paths = Module._nodeModulePaths(dir);
  script.runInThisContext().call(mod.exports, mod.exports, createRequire(bundle), mod, bundle, dir);
  mod.loaded = true;
  let pending = file !== undefined && (!usedCache || (refreshBuildCache && cached.origin === 'build'));
  const save = () => {
    if (!pending) return false;
    pending = false;
    return writeCache(file, key, origin, script.createCachedData());
  };
  return { exports: mod.exports, usedCache, cacheOrigin: usedCache ? cached.origin : null, save };
}

module.exports = { loadBundle, cacheDirectory, cachePath, cacheKey, readCache, writeCache, MAGIC, DAEMON_CACHE };
