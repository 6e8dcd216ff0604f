/**
 * The kernel's interface events, for real (root): a listener in a fresh
 * namespace hears a veth pair being made and brought up there, through the
 * same rtnetlink subscription the daemon's discovery uses.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TunNamespace } from '../../src/lab/tun-namespace.js';

const isRoot = process.getuid?.() === 0;
const skip = isRoot ? false : 'needs root (network namespaces)';
const LISTENER = fileURLToPath(new URL('./fixtures/interface-change-listener.ts', import.meta.url));

const live = new Set<TunNamespace>();
after(async () => { await Promise.all([...live].map((ns) => ns.destroy())); });

test('a listener in a namespace hears an interface made and brought up there', { skip }, async () => {
  const ns = await TunNamespace.create('ifev');
  live.add(ns);
  const child = spawn('ip', ['netns', 'exec', ns.name, process.execPath, '--import', 'tsx', LISTENER], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('watching')) resolve();
    });
    child.on('exit', () => reject(new Error(`listener exited before watching: ${err}`)));
  });
  await ns.check(['ip', 'link', 'add', 'ifev-a', 'type', 'veth', 'peer', 'name', 'ifev-b']);
  await ns.check(['ip', 'link', 'set', 'ifev-a', 'up']);
  assert.equal(await exited, 0, err);
  assert.deepEqual(out.trim().split('\n'), ['watching', 'changed']);
});
