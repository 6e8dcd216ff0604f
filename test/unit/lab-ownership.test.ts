/**
 * Which labs a process removes without being asked: the ones it built, and
 * a crashed builder's leftovers of its own kind. Someone else's lab — a
 * running demo's, or one `lab up` built under the demo's name — is never
 * touched. Against the recording iproute2 double: no root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLab } from '../../src/lab/build.js';
import { destroyLabBuiltBy, isAbandoned, removeAbandonedLab } from '../../src/lab/ownership.js';
import { LabPaths, readLabState, writeLabState, type LabState } from '../../src/lab/state.js';
import { FakeIp } from '../helpers/fake-ip.js';

const GONE_PID = 999_999_001;

function withRoot(fn: (root: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const root = mkdtempSync(join(tmpdir(), 'skein-lab-own-'));
    try {
      await fn(root);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
}

/** Build a lab with the double, then make its state say who built it. */
async function labBuiltBy(root: string, ip: FakeIp, name: string, builder: Partial<Pick<LabState, 'builderPid' | 'owner'>>): Promise<void> {
  await createLab({ name, topology: 'line', nodes: 3 }, { root, runner: ip, skipPreflight: true });
  const paths = new LabPaths(root, name);
  const state = readLabState(paths) as LabState;
  const { owner: _dropped, ...rest } = state;
  writeLabState(paths, { ...rest, ...builder });
}

const state = (over: Partial<LabState>): LabState => ({ version: 1, name: 'demo', topology: 'ring', nodes: 5, createdAt: '2026-01-01T00:00:00Z', builderPid: 4242, complete: true, ...over });

test('abandoned means: built by the same command, its builder gone, and not the asking process', () => {
  const gone = () => false;
  const alive = () => true;
  assert.equal(isAbandoned(state({ owner: 'demo' }), 'demo', gone), true);
  assert.equal(isAbandoned(state({ owner: 'demo' }), 'demo', alive), false, 'a demo still running keeps its lab');
  assert.equal(isAbandoned(state({ owner: 'lab' }), 'demo', gone), false, '`lab up --name demo` built it: not the demo\'s');
  assert.equal(isAbandoned(state({}), 'demo', gone), false, 'no owner recorded: nobody\'s to remove');
  assert.equal(isAbandoned(undefined, 'demo', gone), false, 'no state file: cannot tell');
  assert.equal(isAbandoned(state({ owner: 'demo', builderPid: process.pid }), 'demo', gone), false);
});

test('createLab records the owner and the builder in the state', withRoot(async (root) => {
  const lab = await createLab({ name: 'demo', topology: 'ring', nodes: 3 }, { root, runner: new FakeIp(), skipPreflight: true, owner: 'demo' });
  assert.equal(lab.state.owner, 'demo');
  assert.equal(readLabState(new LabPaths(root, 'demo'))?.builderPid, process.pid);
}));

test('a crashed demo\'s lab is removed (namespaces and directory); another owner\'s or a live builder\'s is not', withRoot(async (root) => {
  const ip = new FakeIp();
  const ctx = { root, runner: ip };
  await labBuiltBy(root, ip, 'crashed', { owner: 'demo', builderPid: GONE_PID });
  await labBuiltBy(root, ip, 'byup', { owner: 'lab', builderPid: GONE_PID });
  await labBuiltBy(root, ip, 'running', { owner: 'demo', builderPid: process.ppid });
  const removed = await removeAbandonedLab('crashed', 'demo', ctx);
  assert.equal(removed?.builderPid, GONE_PID);
  assert.deepEqual(removed?.report.namespaces, ['skein-crashed-n1', 'skein-crashed-n2', 'skein-crashed-n3']);
  assert.equal(existsSync(join(root, 'crashed')), false);
  assert.equal(await removeAbandonedLab('byup', 'demo', ctx), undefined);
  assert.equal(await removeAbandonedLab('running', 'demo', ctx), undefined);
  assert.equal(await removeAbandonedLab('nosuch', 'demo', ctx), undefined);
  assert.deepEqual([...ip.namespaces].filter((n) => !n.startsWith('skein-byup-') && !n.startsWith('skein-running-')), []);
  assert.equal(ip.namespaces.size, 6, 'the other two labs are untouched');
}));

test('a teardown removes only a lab this process built: never one another builder holds under the same name', withRoot(async (root) => {
  const ip = new FakeIp();
  const ctx = { root, runner: ip };
  await labBuiltBy(root, ip, 'theirs', { builderPid: process.ppid });
  assert.equal(await destroyLabBuiltBy('theirs', process.pid, ctx), undefined);
  assert.equal(ip.namespaces.size, 3);
  await createLab({ name: 'mine', topology: 'line', nodes: 2 }, { root, runner: ip, skipPreflight: true });
  assert.equal((await destroyLabBuiltBy('mine', process.pid, ctx))?.namespaces.length, 2);
  assert.equal(await destroyLabBuiltBy('mine', process.pid, ctx), undefined, 'already gone: nothing to do');
  assert.equal(ip.namespaces.size, 3);
}));

test('a lab refused for leftovers had its state written at the claim and leaves no directory', withRoot(async (root) => {
  const ip = new FakeIp();
  ip.namespaces.add('skein-left-n1');
  await assert.rejects(createLab({ name: 'left', topology: 'line', nodes: 2 }, { root, runner: ip, skipPreflight: true }), /left over from an earlier run/);
  assert.equal(existsSync(join(root, 'left')), false);
  assert.deepEqual([...ip.namespaces], ['skein-left-n1'], 'the leftovers are for `lab down`, not for this build');
}));
