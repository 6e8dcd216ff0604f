/**
 * Build, abort, failure and teardown logic of the lab against a recording
 * iproute2 double: no root, no network. The real thing is exercised by
 * test/integration/lab*.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLab } from '../../src/lab/build.js';
import { resolveLabName } from '../../src/lab/lab.js';
import { destroyAllLabs, destroyLab } from '../../src/lab/teardown.js';
import { ErrorCodes, isSkeinError } from '../../src/util/errors.js';
import { FakeIp } from '../helpers/fake-ip.js';

function withRoot(fn: (root: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const root = mkdtempSync(join(tmpdir(), 'skein-lab-unit-'));
    try {
      await fn(root);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
}

test('up builds every namespace, records a complete state and per-node directories', withRoot(async (root) => {
  const ip = new FakeIp();
  const lab = await createLab({ name: 'demo', topology: 'ring', nodes: 4 }, { root, runner: ip, skipPreflight: true });
  assert.deepEqual([...ip.namespaces].sort(), ['skein-demo-n1', 'skein-demo-n2', 'skein-demo-n3', 'skein-demo-n4']);
  assert.equal(ip.log.filter((l) => l.includes('type veth')).length, 4);
  const state = JSON.parse(readFileSync(join(root, 'demo', 'state.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(state.complete, true);
  assert.equal(state.topology, 'ring');
  assert.equal(lab.nodeDir('n3'), join(root, 'demo', 'nodes', 'n3'));
  assert.ok(existsSync(lab.nodeDir('n3')));
  assert.throws(() => lab.nodeDir('n5'), (err: unknown) => isSkeinError(err, ErrorCodes.USAGE));
}));

test('a random lab without a seed gets one, recorded so it can be rebuilt', withRoot(async (root) => {
  const lab = await createLab({ name: 'rnd', topology: 'random', nodes: 5 }, { root, runner: new FakeIp(), skipPreflight: true });
  assert.equal(typeof lab.state.seed, 'number');
}));

test('aborting midway (Ctrl-C) tears down what was built and leaves no directory', withRoot(async (root) => {
  const ip = new FakeIp();
  const controller = new AbortController();
  const onStep = (_d: string, index: number) => { if (index === 5) controller.abort(); };
  await assert.rejects(
    createLab({ name: 'demo', topology: 'line', nodes: 6 }, { root, runner: ip, skipPreflight: true, signal: controller.signal, onStep }),
    (err: unknown) => isSkeinError(err, ErrorCodes.LAB) && /interrupted: removed the 6 namespaces built so far/.test(err.message),
  );
  assert.equal(ip.namespaces.size, 0);
  assert.equal(existsSync(join(root, 'demo')), false);
}));

test('a failing command midway tears down and reports the command', withRoot(async (root) => {
  const ip = new FakeIp();
  ip.failOn = (line) => line.includes('link add demo-n4 type veth');
  await assert.rejects(
    createLab({ name: 'demo', topology: 'line', nodes: 5 }, { root, runner: ip, skipPreflight: true }),
    (err: unknown) => isSkeinError(err, ErrorCodes.LAB) && /ip -n skein-demo-n3 link add demo-n4 type veth .*File exists/.test(err.message),
  );
  assert.equal(ip.namespaces.size, 0);
}));

test('a second lab of the same name is refused without touching the first', withRoot(async (root) => {
  const ip = new FakeIp();
  await createLab({ name: 'demo', topology: 'line', nodes: 2 }, { root, runner: ip, skipPreflight: true });
  await assert.rejects(createLab({ name: 'demo', topology: 'line', nodes: 2 }, { root, runner: ip, skipPreflight: true }), (err: unknown) => isSkeinError(err, ErrorCodes.LAB_EXISTS));
  assert.equal(ip.namespaces.size, 2);
  assert.ok(existsSync(join(root, 'demo', 'state.json')));
}));

test('leftover namespaces of a crashed builder block up until down, which finds them by name', withRoot(async (root) => {
  const ip = new FakeIp();
  for (const ns of ['skein-demo-n1', 'skein-demo-n2', 'skein-other-n1', 'unrelated']) ip.namespaces.add(ns);
  await assert.rejects(
    createLab({ name: 'demo', topology: 'line', nodes: 2 }, { root, runner: ip, skipPreflight: true }),
    (err: unknown) => isSkeinError(err, ErrorCodes.LAB_EXISTS) && /2 namespaces left over .*skein lab down --name demo/.test(err.message),
  );
  assert.equal(existsSync(join(root, 'demo')), false, 'the refused build leaves no directory');
  ip.pids.set('skein-demo-n2', [4242]);
  const report = await destroyLab('demo', { root, runner: ip, kill: ip.kill });
  assert.deepEqual(report.namespaces, ['skein-demo-n1', 'skein-demo-n2']);
  assert.equal(report.processesStopped, 1);
  assert.ok(ip.log.includes('kill SIGTERM 4242'));
  assert.deepEqual([...ip.namespaces].sort(), ['skein-other-n1', 'unrelated']);
}));

test('down --all removes every lab (by directory or by name) and nothing else', withRoot(async (root) => {
  const ip = new FakeIp();
  await createLab({ name: 'one', topology: 'bridge', nodes: 3 }, { root, runner: ip, skipPreflight: true });
  ip.namespaces.add('skein-two-n1');
  ip.namespaces.add('unrelated');
  const reports = await destroyAllLabs({ root, runner: ip, kill: ip.kill });
  assert.deepEqual(reports.map((r) => [r.name, r.namespaces.length]), [['one', 4], ['two', 1]]);
  assert.deepEqual([...ip.namespaces], ['unrelated']);
}));

test('the default lab is the only one; none or several is a clear error', withRoot(async (root) => {
  const ip = new FakeIp();
  const ctx = { root, runner: ip };
  await assert.rejects(resolveLabName(undefined, ctx), (err: unknown) => isSkeinError(err, ErrorCodes.LAB_NOT_FOUND) && /no lab exists/.test(err.message));
  ip.namespaces.add('skein-aaa-n1');
  assert.equal(await resolveLabName(undefined, ctx), 'aaa');
  ip.namespaces.add('skein-bbb-sw');
  await assert.rejects(resolveLabName(undefined, ctx), (err: unknown) => isSkeinError(err, ErrorCodes.USAGE) && /several labs exist \(aaa, bbb\): choose one with --name/.test(err.message));
  assert.equal(await resolveLabName('bbb', ctx), 'bbb');
}));
