/**
 * Fault: the state directory fills up (or turns read-only) when the node
 * must save its routing sequence number (skein.seq) or a revocation list
 * (revocations/<CA>.crl). Root ignores file modes, so the directory is a
 * small tmpfs, filled to the last byte or remounted read-only.
 *
 * Expected (docs/faults.md): an error line naming the file, the previous
 * file intact (writes are temp file + rename, the temp removed on failure),
 * and the node running on: the next sequence number comes from the wall
 * clock anyway, and a revocation list holds in memory until the node stops.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { initMesh, nodeConfigPath, skeinArgv, waitForDaemons, type Lab } from '../../src/lab/index.js';
import { DAEMON_NODE_FLAGS } from '../../src/node/node-flags.js';
import { SEQUENCE_FILE } from '../../src/node/routing-host.js';
import { REVOCATIONS_DIR } from '../../src/node/revocation-files.js';
import { writeFileAtomic } from '../../src/util/files.js';
import { runSkein } from '../helpers/cli.js';
import { withLab } from '../helpers/lab.js';
import { admin, members } from '../helpers/mesh-node.js';
import { FAULT_TUNING, isAlive } from '../helpers/faults.js';
import { waitFor } from '../helpers/wait.js';

const mounted: string[] = [];
after(() => { for (const dir of mounted.reverse()) try { execFileSync('umount', ['-l', dir]); } catch { /* gone */ } });

function mountTmpfs(dir: string, size: string): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir]);
  mounted.push(dir);
}

/** Fill the filesystem at `dir` until a write fails with ENOSPC. */
function fill(dir: string): void {
  const fd = openSync(join(dir, 'filler'), 'w');
  const chunk = Buffer.alloc(4096, 0xaa);
  try {
    for (let i = 0; i < 1_000_000; i++) writeSync(fd, chunk);
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
  } finally {
    closeSync(fd);
  }
  // Whatever is left is less than a page: tmpfs hands out whole pages.
  try { writeFileSync(join(dir, 'filler-tail'), Buffer.alloc(512)); } catch { /* full */ }
}

const tempFiles = (dir: string) => readdirSync(dir, { recursive: true }).map(String).filter((n) => n.endsWith('.tmp'));

test('writeFileAtomic on a full and on a read-only filesystem: an error naming the file, the old file intact, no temp file left', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skein-full-'));
  try {
    mountTmpfs(dir, '16k');
    const file = join(dir, SEQUENCE_FILE);
    writeFileAtomic(file, '1000\n', { force: true });
    fill(dir);
    assert.throws(() => writeFileAtomic(file, `${'9'.repeat(8192)}\n`, { force: true }), (err: Error) => {
      assert.match(err.message, new RegExp(`^${file.replace(/[.]/g, '\\.')}: cannot write: .*(ENOSPC|no space)`, 'i'));
      return true;
    });
    assert.equal(readFileSync(file, 'utf8'), '1000\n');
    assert.deepEqual(tempFiles(dir), []);
    execFileSync('mount', ['-o', 'remount,ro', dir]);
    assert.throws(() => writeFileAtomic(file, '1001\n', { force: true }), /cannot write: .*(EROFS|read-only)/i);
    assert.equal(readFileSync(file, 'utf8'), '1000\n');
  } finally {
    try { execFileSync('umount', [dir]); mounted.splice(mounted.indexOf(dir), 1); } catch { /* after() retries */ }
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Start a node's daemon with its log outside its (soon full) directory. */
function startWithLogAt(lab: Lab, node: string, logPath: string): void {
  const log = openSync(logPath, 'a');
  try {
    const [exe, ...script] = skeinArgv();
    const child = lab.spawnIn(node, [exe!, ...DAEMON_NODE_FLAGS, ...script, 'up', '--config', nodeConfigPath(lab, node)], { detached: true, stdio: ['ignore', log, log], cwd: lab.dir });
    child.unref();
  } finally {
    closeSync(log);
  }
}

const errorLines = (path: string) => readFileSync(path, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: string; msg: string; time: string; reason?: string }).filter((l) => l.level === 'error');

test('a node whose state directory is full: errors name skein.seq and the revocation list, files intact, the node runs on and enforces the list', { timeout: 120_000 }, async (t) => {
  await withLab({ nodes: 3, topology: 'line' }, async (lab) => {
    initMesh(lab, { tuning: FAULT_TUNING });
    // n2's directory becomes a 1 MiB tmpfs holding the same files.
    const dir = lab.nodeDir('n2');
    const saved = join(lab.dir, 'n2-files');
    cpSync(dir, saved, { recursive: true });
    mountTmpfs(dir, '1m');
    try {
    cpSync(saved, dir, { recursive: true });
    const logs = Object.fromEntries(lab.nodes.map((n) => [n, join(lab.dir, `${n}.log`)]));
    for (const n of lab.nodes) startWithLogAt(lab, n, logs[n]!);
    await waitForDaemons(lab);
    await waitFor(async () => (await members(lab, 'n2')).length === 3, { timeoutMs: 20_000, what: 'n2 to know all 3 members' });
    const seqPath = join(dir, SEQUENCE_FILE);
    await waitFor(() => { try { return Number(readFileSync(seqPath, 'utf8')) > 0; } catch { return false; } }, { timeoutMs: 10_000, what: `${seqPath} to be written` });
    const pid = ((await admin(lab, 'n2', 'status')) as { pid: number }).pid;

    fill(dir);
    const seqBefore = readFileSync(seqPath, 'utf8');
    // A link change makes n2 originate a new record, so it must save a new sequence number.
    const filledAt = Date.now();
    await lab.cut('n2', 'n3');
    await waitFor(() => errorLines(logs.n2!).some((l) => l.msg.includes(seqPath)), { timeoutMs: 10_000, what: `an error line naming ${seqPath}` });
    const seqError = errorLines(logs.n2!).find((l) => l.msg.includes(seqPath))!;
    await lab.heal('n2', 'n3');
    assert.equal(readFileSync(seqPath, 'utf8'), seqBefore, 'skein.seq keeps the last saved value, whole');
    assert.match(seqBefore, /^\d+\n$/);

    // A revocation list reaching n2 through the flood: n3's certificate revoked, given to n1.
    const n3 = (await admin(lab, 'n3', 'status')) as { id: string };
    await waitFor(async () => (await members(lab, 'n2')).length === 3, { timeoutMs: 20_000, what: 'n2 to see n3 again' });
    const revoked = await runSkein(['ca', 'revoke', '--ca', join(lab.dir, 'ca'), join(lab.nodeDir('n3'), 'node.crt')]);
    assert.equal(revoked.code, 0, revoked.stderr);
    copyFileSync(join(lab.dir, 'ca', 'revoked.crl'), join(lab.nodeDir('n1'), 'revoked.crl'));
    const config = nodeConfigPath(lab, 'n1');
    writeFileSync(config, readFileSync(config, 'utf8').replace(/^# revocations = .*$/m, 'revocations = ["revoked.crl"]'));
    await admin(lab, 'n1', 'reload');
    const crlDir = join(dir, REVOCATIONS_DIR);
    await waitFor(() => errorLines(logs.n2!).some((l) => l.msg.includes(crlDir)), { timeoutMs: 15_000, what: `an error line naming ${crlDir}` });
    const crlError = errorLines(logs.n2!).find((l) => l.msg.includes(crlDir))!;
    // The list holds in memory: n2 drops n3.
    await waitFor(async () => !(await members(lab, 'n2')).some((m) => m.id === n3.id), { timeoutMs: 15_000, what: 'n2 to drop the revoked n3' });
    await sleep(500);
    assert.ok(isAlive(pid), 'n2 runs on with a full state directory');
    assert.equal(((await admin(lab, 'n2', 'status')) as { pid: number }).pid, pid);
    assert.deepEqual(tempFiles(dir), [], 'no temp file left behind');
    let stored: string[] = [];
    try { stored = readdirSync(crlDir); } catch { /* never created */ }
    assert.deepEqual(stored.filter((n) => n.endsWith('.crl')), [], 'no partial revocation list');
    t.diagnostic(`full state dir: sequence error ${Date.parse(seqError.time) - filledAt} ms after the cut: ${seqError.msg} (${seqError.reason})`);
    t.diagnostic(`revocation list error: ${crlError.msg} (${crlError.reason}); n2 (pid ${pid}) still running, n3 dropped`);
    } finally {
      // The lab's teardown removes the directory: the mount must go first (lazily: n2's daemon may still hold its socket).
      for (const n of lab.nodes) await lab.exec(n, ['true']);
      execFileSync('umount', ['-l', dir]);
      mounted.splice(mounted.indexOf(dir), 1);
    }
  });
});
