/**
 * `skein lab` as an operator uses it, each command a separate process:
 * cleanup is certain after kill -9 of the builder (midway) and after the
 * state file is lost; Ctrl-C during `up` leaves nothing; `exec` passes the
 * exit code through; `down` stops what runs inside; errors are one line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cliLabSandbox } from '../helpers/lab.js';
import { hostLeftovers } from '../helpers/lab-checks.js';
import { finished, runSkein, spawnSkein, type CliResult } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { capabilitylessWrapper } from '../helpers/unprivileged.js';

const NETNS_DIR = '/run/netns';
const sandbox = cliLabSandbox('skein-lab-cli-');
const labName = (prefix: string): string => sandbox.labName(prefix);

function namespacesOf(name: string): string[] {
  try {
    return readdirSync(NETNS_DIR).filter((n) => n.startsWith(`skein-${name}-`));
  } catch {
    return [];
  }
}

function skein(...args: string[]): Promise<CliResult> {
  return runSkein(args, { env: sandbox.env });
}

function assertOneLineError(r: CliResult, pattern: RegExp): void {
  assert.equal(r.code, 1, `exit code 1 expected: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0] as string, pattern);
}

test('kill -9 of the builder midway: down finds and removes every namespace by name', async (t) => {
  const name = labName('k');
  const builder = spawnSkein(['lab', 'up', '--name', name, '--nodes', '40', '--topology', 'ring'], { env: sandbox.env });
  const done = finished(builder);
  const seen = await waitFor(() => (namespacesOf(name).length >= 3 ? namespacesOf(name).length : undefined), { timeoutMs: 30_000, intervalMs: 5, what: 'the builder to create namespaces' });
  builder.kill('SIGKILL');
  const killed = await done;
  assert.equal(killed.signal, 'SIGKILL');
  const left = namespacesOf(name).length;
  assert.ok(left >= seen && left < 40, `killed midway: ${left} of 40 namespaces exist`);

  const listed = await skein('lab', 'list', '--json');
  const entry = (JSON.parse(listed.stdout) as Array<{ name: string; state: string }>).find((e) => e.name === name);
  assert.equal(entry?.state, 'building', 'the state file says the build never completed');

  const down = await skein('lab', 'down', '--name', name);
  assert.equal(down.code, 0, down.stderr);
  assert.match(down.stdout, new RegExp(`removed lab '${name}': ${left} namespaces`));
  assert.deepEqual(hostLeftovers(name), { namespaces: [], hostInterfaces: [] });
  assert.equal(existsSync(join(sandbox.root, name)), false);
  t.diagnostic(`killed after ${left} of 40 namespaces; down removed them all`);
});

test('up, status --json, then down after the state file is lost', async () => {
  const name = labName('s');
  const up = await skein('lab', 'up', '--name', name, '--nodes', '4', '--topology', 'line');
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stdout, new RegExp(`lab '${name}': 4 nodes, line topology, 3 links`));
  assert.equal(up.stdout.match(/fe80::[0-9a-f:]+%/g)?.length, 6, 'every interface printed with its link-local address');
  assert.match(up.stdout, /n1 — n2\s+up\s+\S+-n2 ↔ \S+-n1/);

  const status = JSON.parse((await skein('lab', 'status', '--name', name, '--json')).stdout) as { nodes: unknown[]; links: Array<{ state: string }> };
  assert.equal(status.nodes.length, 4);
  assert.deepEqual(status.links.map((l) => l.state), ['up', 'up', 'up']);

  const cut = await skein('lab', 'cut', '--name', name, 'n3', 'n2');
  assert.equal(cut.code, 0, cut.stderr);
  const afterCut = JSON.parse((await skein('lab', 'status', '--name', name, '--json')).stdout) as { links: Array<{ state: string }> };
  assert.deepEqual(afterCut.links.map((l) => l.state), ['up', 'down', 'up']);
  assert.equal((await skein('lab', 'heal', '--name', name, 'n2', 'n3')).code, 0);

  rmSync(join(sandbox.root, name), { recursive: true, force: true });
  assertOneLineError(await skein('lab', 'status', '--name', name), new RegExp(`lab '${name}' has namespaces but no state file .*skein lab down --name ${name}`));
  const down = await skein('lab', 'down', '--name', name);
  assert.match(down.stdout, new RegExp(`removed lab '${name}': 4 namespaces`));
  assert.deepEqual(hostLeftovers(name), { namespaces: [], hostInterfaces: [] });
  assert.match((await skein('lab', 'down', '--name', name)).stdout, /nothing to remove/);
});

test('Ctrl-C during up tears down what was built (exit 130), with no down needed', async () => {
  const name = labName('c');
  const builder = spawnSkein(['lab', 'up', '--name', name, '--nodes', '40'], { env: sandbox.env });
  const done = finished(builder);
  await waitFor(() => namespacesOf(name).length >= 3, { timeoutMs: 30_000, intervalMs: 5, what: 'the builder to create namespaces' });
  builder.kill('SIGINT');
  const r = await done;
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /interrupted: removed the \d+ namespaces built so far/);
  assert.deepEqual(hostLeftovers(name), { namespaces: [], hostInterfaces: [] });
  assert.equal(existsSync(join(sandbox.root, name)), false);
});

test('exec passes the exit code and output through; down stops what runs inside', async () => {
  const name = labName('e');
  assert.equal((await skein('lab', 'up', '--name', name, '--nodes', '2')).code, 0);
  const code = await skein('lab', 'exec', '--name', name, 'n1', '--', 'sh', '-c', 'echo out-$0; echo err >&2; exit 7', 'x');
  assert.equal(code.code, 7);
  assert.equal(code.stdout, 'out-x\n');
  assert.equal(code.stderr, 'err\n');
  const links = await skein('lab', 'exec', '--name', name, 'n2', '--', 'ip', '-br', 'link');
  assert.equal(links.code, 0);
  assert.match(links.stdout, new RegExp(`^${name}-n1@`, 'm'));
  assertOneLineError(await skein('lab', 'exec', '--name', name, 'n9', '--', 'true'), /unknown node 'n9' in lab '.*' \(nodes: n1, n2\)/);
  // exec's own option after the node, ended by `--`: --name names the lab, it is not the command.
  const after = await skein('lab', 'exec', 'n1', '--name', name, '--', 'true');
  assert.equal(after.code, 0, after.stderr);
  const afterEq = await skein('lab', 'exec', 'n2', `--name=${name}`, '--', 'sh', '-c', 'exit 3');
  assert.equal(afterEq.code, 3, afterEq.stderr);
  const cut = await skein('lab', 'cut', 'n1', 'n2', '--name', name, '--json');
  assert.equal(cut.code, 0, cut.stderr);
  const cutLink = JSON.parse(cut.stdout) as { lab: string; up: boolean; a: { node: string }; b: { node: string } };
  assert.deepEqual([cutLink.lab, cutLink.up, cutLink.a.node, cutLink.b.node], [name, false, 'n1', 'n2']);
  assert.equal(JSON.parse((await skein('lab', 'heal', 'n1', 'n2', '--name', name, '--json')).stdout).up, true);

  const sleeper = spawn('ip', ['netns', 'exec', `skein-${name}-n1`, 'sleep', '600'], { stdio: 'ignore' });
  const sleeperExit = new Promise<NodeJS.Signals | null>((resolve) => sleeper.once('exit', (_c, s) => resolve(s)));
  await waitFor(() => execFileSync('ip', ['netns', 'pids', `skein-${name}-n1`], { encoding: 'utf8' }).trim() !== '', { timeoutMs: 5_000, what: 'sleep to run in n1' });
  const down = await skein('lab', 'down', '--name', name);
  assert.match(down.stdout, /stopped 1 process$/m);
  assert.equal(await sleeperExit, 'SIGTERM');
  assert.deepEqual(hostLeftovers(name), { namespaces: [], hostInterfaces: [] });
});

test('clear one-line errors: topology, size, name, rate, missing lab, ip missing, not root', async (t) => {
  assertOneLineError(await skein('lab', 'up', '--topology', 'mesh'), /unknown topology 'mesh' \(known: line, ring, star, grid, random, bridge\)/);
  assertOneLineError(await skein('lab', 'up', '--nodes', '300'), /invalid node count '300': use a whole number from 1 to 250/);
  assertOneLineError(await skein('lab', 'up', '--topology', 'ring', '--nodes', '2'), /invalid size 2 for a ring topology/);
  assertOneLineError(await skein('lab', 'up', '--name', 'Bad_Name'), /invalid lab name 'Bad_Name'/);
  assertOneLineError(await skein('lab', 'status', '--name', 'nosuchlab'), /no lab named 'nosuchlab'/);
  assertOneLineError(await skein('lab', 'impair', '--name', 'nosuchlab', 'n1', 'n2', '--rate', 'fast'), /invalid rate 'fast'/);
  const noIp = await runSkein(['lab', 'status', '--name', 'nosuchlab'], { env: { ...sandbox.env, PATH: '/nonexistent' } });
  assertOneLineError(noIp, /'ip' was not found: .*install the Debian package iproute2/);
  const unprivileged = await capabilitylessWrapper();
  if ('why' in unprivileged) {
    t.diagnostic(`not-root case not run: ${unprivileged.why}`);
    return;
  }
  const notRoot = await runSkein(['lab', 'up', '--name', 'nope'], { env: { ...sandbox.env, HOME: '/tmp' }, wrapper: unprivileged.wrapper });
  assertOneLineError(notRoot, /the lab needs root \(CAP_NET_ADMIN and CAP_SYS_ADMIN\): it creates network namespaces, veth pairs and bridges/);
});
