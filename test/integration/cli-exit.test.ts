/**
 * Every way out of a command that builds something leaves nothing behind:
 * a closed pipe (`demo --once | head -3`), SIGTERM and SIGHUP during
 * `lab up --start` and during `bench`, an uncaught exception and an
 * unhandled rejection inside the demo (injected with `node --import` from
 * outside), a failing step inside the demo (an `ip` on PATH that refuses to
 * take a link down); a crashed demo's lab is removed by the next demo; an
 * unknown command exits 2 in one line. Each command is a separate process,
 * on labs with unique names in a private state directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliLabSandbox, uniqueLabName } from '../helpers/lab.js';
import { hostLeftovers } from '../helpers/lab-checks.js';
import { finished, runSkein, spawnSkein, type CliResult } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait.js';

const CLI_ENTRY = fileURLToPath(new URL('../../src/cli/run.ts', import.meta.url));
const THROW_FIXTURE = new URL('./fixtures/throw-when.mjs', import.meta.url).href;
const DEMO_NODES = '3';
/** Demo or bench from sources (tsx) start daemons that compile on start: generous. */
const START_TIMEOUT_MS = 60_000;
const STACK_FRAME = /^\s+at .+\(.*:\d+:\d+\)$|^\s+at .+:\d+:\d+$/m;

const sandbox = cliLabSandbox('skein-cli-exit-');
const labName = (prefix: string): string => sandbox.labName(prefix);

/** Processes whose command line mentions `marker` (a lab's directory, a stand-in's name). */
function processesMentioning(marker: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid)) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (cmdline.includes(marker)) found.push(`${pid}: ${cmdline}`);
    } catch { /* exited meanwhile */ }
  }
  return found;
}

function namespacePids(ns: string): string[] {
  try {
    return execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

/** Nothing of the lab is left: no namespace, no host interface, no process started for it, no directory. */
function assertNothingLeft(name: string, processMarker = join(sandbox.root, name)): void {
  assert.deepEqual(hostLeftovers(name), { namespaces: [], hostInterfaces: [] });
  assert.deepEqual(processesMentioning(`${processMarker}/`), []);
  assert.equal(existsSync(join(sandbox.root, name)), false, `${join(sandbox.root, name)} removed`);
}

function assertNoStackTrace(r: CliResult): void {
  assert.doesNotMatch(r.stderr, STACK_FRAME, `no stack trace: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /EPIPE|Unhandled 'error' event/, r.stderr);
}

/** stderr of a running child, as it arrives. */
function stderrOf(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => { text += s; });
  return () => text;
}

/** `skein ARGS | head -N` through a real shell pipe; the result's code is skein's own exit status. */
function skeinIntoHead(args: readonly string[], lines: number, extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const script = `"$@" | head -${lines}; exit "\${PIPESTATUS[0]}"`;
  const child = spawn('bash', ['-c', script, 'bash', process.execPath, '--import', 'tsx', CLI_ENTRY, ...args], { cwd: REPO_ROOT, env: { ...sandbox.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  return finished(child);
}

test('skein nosuch, with or without --help, and an unknown subcommand: exit 2 with one line', async () => {
  for (const args of [['nosuch', '--help'], ['nosuch'], ['lab', 'nosuch', '--help']]) {
    const r = await runSkein(args, { env: sandbox.env });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '', 'no help printed');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /unknown command 'nosuch' \(skein (lab )?--help lists the commands\)$/);
  }
});

test('a closed pipe: help piped into head -1 ends quietly with 141', async () => {
  const r = await skeinIntoHead(['ping', '--help'], 1);
  assert.equal(r.stdout, 'Usage: skein ping [options] <target>\n');
  assert.ok(r.code === 141 || r.code === 0, `141, or 0 when the whole help fit before head left: ${r.code}`);
  assert.equal(r.stderr, '');
});

test('skein demo --once | head -3: exit 141 without a stack trace, no namespace, daemon or directory left', async (t) => {
  const name = labName('p');
  const r = await skeinIntoHead(['demo', '--once', '--nodes', DEMO_NODES, '--name', name], 3);
  assert.equal(r.code, 141, r.stderr);
  assert.equal(r.stdout.split('\n').filter(Boolean).length, 3);
  assert.match(r.stdout, new RegExp(`^building a 3-node ring in network namespaces \\(lab '${name}'\\)`));
  assertNoStackTrace(r);
  assert.equal(r.stderr, '', 'a closed pipe ends the demo quietly');
  assertNothingLeft(name);
  t.diagnostic(`head took: ${JSON.stringify(r.stdout.split('\n')[2])}`);
});

test('a crashed demo (kill -9) leaves its lab; the next demo removes it, says so in one line, and runs', async () => {
  const name = labName('r');
  const crashed = spawnSkein(['demo', '--nodes', DEMO_NODES, '--name', name], { env: sandbox.env });
  const crashedDone = finished(crashed);
  await waitFor(() => [1, 2, 3].every((i) => namespacePids(`skein-${name}-n${i}`).length > 0), { timeoutMs: START_TIMEOUT_MS, what: 'the demo\'s daemons to run' });
  crashed.kill('SIGKILL');
  assert.equal((await crashedDone).signal, 'SIGKILL');
  assert.equal(hostLeftovers(name).namespaces.length, 3, 'kill -9 leaves the lab behind');
  assert.equal(processesMentioning(`${join(sandbox.root, name)}/`).length, 3, 'and its three daemons');

  const r = await skeinIntoHead(['demo', '--once', '--nodes', DEMO_NODES, '--name', name], 2);
  const [first, second] = r.stdout.split('\n');
  assert.match(first!, new RegExp(`^removed lab '${name}' left behind by an earlier demo whose process \\(pid ${crashed.pid}\\) is gone: 3 namespaces, stopped 3 processes$`));
  assert.match(second!, /^building a 3-node ring/);
  assert.equal(r.code, 141, r.stderr);
  assertNothingLeft(name);
});

for (const kind of ['exception', 'rejection'] as const) {
  test(`an uncaught ${kind} inside the demo (injected from outside): exit 70, one line, nothing left`, async () => {
    const name = labName(kind === 'exception' ? 'x' : 'j');
    const trigger = join(sandbox.root, name, 'nodes', 'n1', 'skein.sock');
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', THROW_FIXTURE, CLI_ENTRY, 'demo', '--nodes', DEMO_NODES, '--name', name], {
      cwd: REPO_ROOT, env: { ...sandbox.env, SKEIN_TEST_THROW_WHEN: trigger, SKEIN_TEST_THROW_KIND: kind }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const r = await finished(child);
    assert.equal(r.code, 70, `${r.stderr}\n${r.stdout}`);
    assert.match(r.stderr, new RegExp(`^skein: internal error: injected fault \\(${kind}\\)$`, 'm'));
    assertNoStackTrace(r);
    assert.match(r.stdout, /tearing down: stopping daemons, removing namespaces…\ndone\.\n$/);
    assertNothingLeft(name);
  });
}

test('a step of the demo that fails (ip refuses to take a link down): exit 1, the command in one line, nothing left', async () => {
  const name = labName('f');
  const bin = mkdtempSync(join(tmpdir(), 'skein-exit-ip-'));
  try {
    const realIp = execFileSync('sh', ['-c', 'command -v ip'], { encoding: 'utf8' }).trim();
    writeFileSync(join(bin, 'ip'), [
      '#!/bin/sh',
      '# Stand-in for ip: taking a link down fails; everything else is the real ip.',
      'case " $* " in *" link set "*" down "*) echo "RTNETLINK answers: Device or resource busy" >&2; exit 2;; esac',
      `exec ${realIp} "$@"`,
      '',
    ].join('\n'));
    chmodSync(join(bin, 'ip'), 0o755);
    const r = await runSkein(['demo', '--once', '--nodes', DEMO_NODES, '--name', name], { env: { ...sandbox.env, PATH: `${bin}:${sandbox.env.PATH ?? ''}` } });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /cutting the n1 — n2 link/);
    assert.match(r.stderr, new RegExp(`^skein: ip -n skein-${name}-n1 link set dev \\S+ down: RTNETLINK answers: Device or resource busy\\n$`));
    assertNoStackTrace(r);
    assertNothingLeft(name);
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});

for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
  const code = signal === 'SIGTERM' ? 143 : 129;
  test(`lab up --start killed with ${signal} while its daemons start: exit ${code}, nothing left`, async () => {
    const name = labName(signal === 'SIGTERM' ? 'u' : 'h');
    const child = spawnSkein(['lab', 'up', '--start', '--nodes', DEMO_NODES, '--name', name], { env: sandbox.env });
    const done = finished(child);
    const stderr = stderrOf(child);
    await waitFor(() => /starting a skein node in each of 3 namespaces/.test(stderr()), { timeoutMs: START_TIMEOUT_MS, intervalMs: 5, what: 'lab up to start the daemons' });
    await waitFor(() => processesMentioning(`${join(sandbox.root, name)}/`).length === 3, { timeoutMs: START_TIMEOUT_MS, intervalMs: 5, what: 'the three daemons to run' });
    assert.doesNotMatch(stderr(), /built in/, 'still starting when signalled');
    child.kill(signal);
    const r = await done;
    assert.equal(r.code, code, r.stderr);
    assert.match(r.stderr, new RegExp(`${signal}: tearing down lab '${name}'…`));
    assertNoStackTrace(r);
    assertNothingLeft(name);
  });
}

/** Stand-ins for the bench's tools: they answer the version check, then run until stopped, marked by `marker`. */
function benchToolStandIns(dir: string, marker: string): void {
  for (const [tool, versionFlag] of [['iperf3', '--version'], ['ping', '-V']] as const) {
    writeFileSync(join(dir, tool), [
      '#!/bin/bash',
      `# Stand-in for ${tool}: answers ${versionFlag}; otherwise runs until stopped (the bench is killed meanwhile).`,
      `if [ "$1" = "${versionFlag}" ]; then echo "${tool} stand-in"; exit 0; fi`,
      `exec -a ${marker}-${tool} sleep 600`,
      '',
    ].join('\n'));
    chmodSync(join(dir, tool), 0o755);
  }
}

for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
  const code = signal === 'SIGTERM' ? 143 : 129;
  test(`bench killed with ${signal} during its first measurement: exit ${code}, no lab, tool or results file left`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skein-exit-bench-'));
    const marker = `skeinstandin${uniqueLabName('m')}`;
    try {
      benchToolStandIns(dir, marker);
      const out = join(dir, 'results.json');
      const child = spawnSkein(['bench', '--time', '1', '--out', out], { env: { ...sandbox.env, PATH: `${dir}:${sandbox.env.PATH ?? ''}` } });
      const done = finished(child);
      let stdout = '';
      child.stdout?.on('data', (b: Buffer) => { stdout += b.toString('utf8'); });
      const name = await waitFor(() => /lab (bl[a-z0-9]+)\)/.exec(stdout)?.[1], { timeoutMs: START_TIMEOUT_MS, what: 'the bench to name its lab' });
      sandbox.track(name);
      await waitFor(() => processesMentioning(`${marker}-iperf3`).length >= 2, { timeoutMs: START_TIMEOUT_MS, what: 'the iperf3 server and client to run in the lab' });
      child.kill(signal);
      const r = await done;
      assert.equal(r.code, code, r.stderr);
      assert.match(r.stderr, new RegExp(`${signal}: tearing down the bench labs \\(${name}, br`));
      assert.match(r.stderr, /skein: bench interrupted: its labs are removed; .*results\.json was not written/);
      assertNoStackTrace(r);
      assertNothingLeft(name);
      assert.deepEqual(processesMentioning(marker), [], 'the tools it started in the lab are stopped');
      assert.equal(existsSync(out), false, 'an interrupted run writes no results');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
