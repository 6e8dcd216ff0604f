#!/usr/bin/env node
// Builds the native addons with node-gyp against THIS Node's own headers,
// offline: native/tun.c -> build/Release/skein_tun.node (the TUN device) and
// native/aead.c -> build/Release/skein_aead.node (ChaCha20-Poly1305 from
// Node's own OpenSSL, in place). Runs as the root
// package's `install` script, so `npm ci` builds it (npm 11 runs the root
// project's scripts; it would not run a dependency's).
//
// node-gyp: npm bundles one (npm_config_node_gyp points at it inside npm
// scripts); otherwise we look for it next to npm. Headers: npm_config_nodedir
// if set, else the prefix of this node binary when it has include/node/.
//
// A machine without a C toolchain still installs: the build failure is
// printed and the daemon later reports the data plane as unavailable
// (SKEIN_ERR_TUN_UNAVAILABLE) and seals with libsodium instead of OpenSSL,
// while everything else works. Set
// SKEIN_REQUIRE_NATIVE=1 to make a failed build fail the install instead.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    '/usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
  ];
  return candidates.find((p) => p && existsSync(p));
}

function findNodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = join(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

const gyp = findNodeGyp();
const nodedir = findNodeDir();
let status = 1;
if (!gyp) {
  console.error('build-native: node-gyp not found (npm bundles one); the TUN data plane will be unavailable and the AEAD falls back to libsodium');
} else {
  const args = [gyp, 'rebuild', '--loglevel=warn', ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
  status = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' }).status ?? 1;
  if (status !== 0) console.error('build-native: building native/ failed; the TUN data plane will be unavailable and the AEAD falls back to libsodium');
}
process.exit(status !== 0 && process.env.SKEIN_REQUIRE_NATIVE === '1' ? status : 0);
