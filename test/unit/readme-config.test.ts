/**
 * The README's configuration table lists every key the config schema
 * accepts, so a new key cannot ship undocumented.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { validateConfig } from '../../src/node/config.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The firewall section is validated into camelCase fields; the file spells them in snake_case. */
const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** `links.keepalive_ms`, `firewall.conntrack.max_flows`: every leaf of the validated config. */
function keys(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => keys(v, prefix === '' ? snake(k) : `${prefix}.${snake(k)}`));
}

test('every config key is a row of the README configuration table', () => {
  const config = validateConfig({ key: 'k', certificate: 'c', ca: ['a'], metrics: {}, web: {} }, 'skein.toml');
  const all = [...keys(config).filter((k) => k !== 'file'), 'name', 'listen.address'];
  const rows = new Set([...README.matchAll(/^\| `([a-z_.]+)` \|/gm)].map((m) => m[1]));
  assert.deepEqual(all.filter((k) => !rows.has(k)), []);
});
