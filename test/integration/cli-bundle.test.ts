/**
 * The bundled CLI (dist/bundle, what bin/skein.js runs after `npm run build`)
 * behaves as the compiled one (dist/cli): the same help, output and exit
 * status for every command area, real key and certificate files, and a
 * daemon that starts and stops cleanly. Needs a build (CI builds first);
 * without one it is skipped with a message, not silently.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeStaticNode, makeTestCa } from '../helpers/static-nodes.js';

const ROOT = new URL('../../', import.meta.url);
const COMPILED = new URL('dist/cli/main.js', ROOT);
const BUNDLED = new URL('dist/bundle/skein.js', ROOT);
const built = existsSync(COMPILED) && existsSync(BUNDLED);
const skip = built ? false : 'no build: run `npm run build` first (dist/cli and dist/bundle)';
const UP_TIMEOUT_MS = 15_000;

/** Run the CLI's main() from one entry, as `skein ARGS`. */
function runner(entry: URL, args: readonly string[]): string[] {
  const script = `const { main } = await import(${JSON.stringify(entry.href)}); process.exitCode = await main(['node', 'skein', ...process.argv.slice(1)]);`;
  return ['--input-type=module', '-e', script, '--', ...args];
}

function run(entry: URL, args: readonly string[], cwd?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, runner(entry, args), { encoding: 'utf8', cwd, timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the bundle prints the same help, output and errors as the compiled CLI, for every command area', { skip }, () => {
  const lines: string[][] = [
    ['--help'], ['--version'], ['help', 'up'], ['up', '--help'], ['ping', '--help'], ['lab', 'up', '--help'], ['ca', 'init', '--help'],
    ['cert', '--help'], ['sim', '--help'], ['demo', '--help'], ['web', '--help'], ['bench', '--help'], ['upp'], ['status', '--socket', '/nonexistent/skein.sock'],
    ['sim', '--nodes', '12', '--seed', '3', '--json'],
  ];
  for (const args of lines) {
    const a = run(COMPILED, args);
    const b = run(BUNDLED, args);
    assert.deepEqual(b, a, `skein ${args.join(' ')}`);
  }
});

test('the bundle refuses a bad config with the same messages (zod\'s, in English)', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'skein-bundle-cfg-'));
  try {
    writeFileSync(join(dir, 'bad.toml'), 'name = 5\nlisten = { port = "x" }\n');
    const a = run(COMPILED, ['status', '--config', 'bad.toml'], dir);
    const b = run(BUNDLED, ['status', '--config', 'bad.toml'], dir);
    assert.deepEqual(b, a);
    assert.match(b.stderr, /bad\.toml: name: Invalid input: expected string, received number/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the bundle makes a CA and a node whose certificate verifies', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'skein-bundle-'));
  try {
    assert.equal(run(BUNDLED, ['ca', 'init', '--name', 'bt', '--out', 'ca'], dir).code, 0);
    assert.equal(run(BUNDLED, ['init', '--ca', 'ca', '--name', 'n1', '--out', 'n1'], dir).code, 0);
    const v = run(BUNDLED, ['cert', 'verify', '--ca', 'ca/ca.crt', 'n1/node.crt'], dir);
    const w = run(COMPILED, ['cert', 'verify', '--ca', 'ca/ca.crt', 'n1/node.crt'], dir);
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
    const child = spawn(process.execPath, runner(BUNDLED, ['up', '--config', config]), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + UP_TIMEOUT_MS;
    while (!out.includes('"node up"') && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.match(out, /"msg":"node up"/, out);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, out);
    assert.match(out, /"msg":"stopped"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
