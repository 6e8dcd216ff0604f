/**
 * The kernel's interface events, for real (root): a listener in a fresh
 * namespace hears a veth pair being made and brought up there, through the
 * same rtnetlink subscription the daemon's discovery uses, and still hears
 * changes after a burst that overflowed its socket's queue.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TunNamespace } from '../../src/lab/tun-namespace.js';

const isRoot = process.getuid?.() === 0;
const skip = isRoot ? false : 'needs root (network namespaces)';
const LISTENER = fileURLToPath(new URL('./fixtures/interface-change-listener.ts', import.meta.url));
const OVERFLOW_LISTENER = fileURLToPath(new URL('./fixtures/interface-change-overflow.ts', import.meta.url));
/** veth pairs made while the listener is held: several kernel messages each, far beyond a socket queue's ~200 KiB. */
const BURST_PAIRS = 300;

const live = new Set<TunNamespace>();
after(async () => { await Promise.all([...live].map((ns) => ns.destroy())); });

/** Starts a listener script in the namespace; resolves once it printed `line`. */
function listen(ns: TunNamespace, script: string) {
  const child = spawn('ip', ['netns', 'exec', ns.name, process.execPath, '--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
  const waiters: Array<{ line: string; resolve: () => void }> = [];
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    for (const w of waiters.splice(0)) if (out.includes(w.line)) w.resolve(); else waiters.push(w);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return {
    printed: (line: string) => new Promise<void>((resolve, reject) => {
      if (out.includes(line)) return resolve();
      waiters.push({ line, resolve });
      void exited.then(() => reject(new Error(`listener exited before printing ${line}: ${out} ${err}`)));
    }),
    exited: exited.then((code) => ({ code, out: out.trim().split('\n'), err })),
  };
}

test('a listener in a namespace hears an interface made and brought up there', { skip }, async () => {
  const ns = await TunNamespace.create('ifev');
  live.add(ns);
  const listener = listen(ns, LISTENER);
  await listener.printed('watching');
  await ns.check(['ip', 'link', 'add', 'ifev-a', 'type', 'veth', 'peer', 'name', 'ifev-b']);
  await ns.check(['ip', 'link', 'set', 'ifev-a', 'up']);
  const { code, out, err } = await listener.exited;
  assert.equal(code, 0, err);
  assert.deepEqual(out, ['watching', 'changed']);
});

test('after a burst that overflowed the socket queue, the listener still hears the next change', { skip, timeout: 60_000 }, async () => {
  const ns = await TunNamespace.create('ifov');
  live.add(ns);
  const listener = listen(ns, OVERFLOW_LISTENER);
  await listener.printed('watching');
  const batch = Array.from({ length: BURST_PAIRS }, (_, i) => `link add ov${i}a type veth peer name ov${i}b`).join('\n');
  const made = await ns.exec(['sh', '-c', `printf '%s\\n' '${batch.replace(/\n/g, "' '")}' | ip -batch -`], 30_000);
  assert.equal(made.code, 0, made.stderr);
  await listener.printed('settled');
  await ns.check(['ip', 'link', 'set', 'ov0a', 'up']);
  const { code, out, err } = await listener.exited;
  assert.equal(code, 0, err);
  assert.deepEqual(out, ['watching', 'settled', 'changed']);
});
