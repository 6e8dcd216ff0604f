/**
 * The README's configuration table lists every key the config schema
 * accepts, and its command table every command, so neither can ship
 * undocumented.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { validateConfig } from '../../src/node/config.js';
import { buildProgram } from '../../src/cli/main.js';

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

test('every command and subcommand of the CLI is a row of the README command table', async () => {
  const program = await buildProgram();
  // `skein lab up|status|exec …` lists every lab subcommand named between the bars.
  // In a Markdown table the bars are escaped: `skein lab up\|status`.
  const rows = [...README.matchAll(/^\| `skein ([a-z-]+)(?: ([a-z\\|-]+))?/gm)].map((m) => ({ command: m[1]!, subs: (m[2] ?? '').split(/\\?\|/) }));
  const missing: string[] = [];
  for (const command of program.commands) {
    const subs = command.commands.map((c) => c.name()).filter((n) => n !== 'help');
    const own = rows.filter((r) => r.command === command.name());
    if (subs.length === 0 && own.length === 0) missing.push(command.name());
    for (const sub of subs) if (!own.some((r) => r.subs.includes(sub))) missing.push(`${command.name()} ${sub}`);
  }
  assert.deepEqual(missing, []);
});
