/**
 * Node directories for in-process daemon tests over loopback, no root: a
 * fresh cluster CA, and nodes with discovery off, link port 0 and static
 * peers (top-level keys must precede the TOML tables, so peers go first and
 * extra tables last).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCa, generateNodeKey } from '../../src/identity/index.js';
import { saveSignerFiles } from '../../src/identity/files.js';
import { initNodeDir } from '../../src/node/init.js';

/** A CA directory (ca.key, ca.crt) for a new cluster. */
export function makeTestCa(dir: string, cluster: string): string {
  mkdirSync(dir, { recursive: true });
  const key = generateNodeKey();
  saveSignerFiles(join(dir, 'ca.key'), join(dir, 'ca.crt'), key, createCa({ key, name: cluster, nowMs: Date.now() }));
  return dir;
}

/** A node under root/name: discovery off, port 0, the given static peers, `tables` appended. Returns its config path. */
export function makeStaticNode(root: string, caDir: string, name: string, peers: readonly string[] = [], tables = ''): string {
  const r = initNodeDir({ caDir, name, out: join(root, name), nowMs: Date.now(), port: 0 });
  const body = readFileSync(r.config, 'utf8').replace('[discovery]', '[discovery]\nenabled = false');
  writeFileSync(r.config, `peers = ${JSON.stringify(peers)}\n${body}${tables}`);
  return r.config;
}
