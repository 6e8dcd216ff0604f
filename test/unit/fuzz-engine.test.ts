/**
 * The fuzz engine's oracles fire: an untyped throw, an invariant, a CPU-time
 * hang that returns, and (in a child process) one that never returns, which
 * the watchdog catches by saving the input and killing the process. Also:
 * mutation keeps to the size bound and the message container round-trips.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fuzzLoop } from '../../fuzz/engine/loop.js';
import { joinMessages, splitMessages } from '../../fuzz/engine/messages.js';
import { mutate } from '../../fuzz/engine/mutate.js';
import { FuzzRandom } from '../../fuzz/engine/random.js';
import { type FuzzTarget, invariant, typed } from '../../fuzz/engine/target.js';
import { DecodeError } from '../../src/util/errors.js';

const OPTS = { runs: 2_000, seconds: 30, seed: 3, hangMs: 5_000 };

function target(run: (input: Uint8Array) => string): FuzzTarget {
  return { name: 'probe', description: 'test double', maxInputBytes: 64, run };
}

test('fuzz engine: a TypeError where a DecodeError is promised is an untyped-throw finding', async () => {
  const t = target((input) => typed(() => {
    if (input.byteLength === 0) throw new DecodeError('empty');
    if (input[0]! > 0xf0) throw new TypeError('boom');
    return 'ok';
  }));
  const r = await fuzzLoop(t, OPTS);
  assert.equal(r.findings.length, 1);
  assert.equal(r.findings[0]!.kind, 'untyped-throw');
  assert.ok(Buffer.from(r.findings[0]!.inputHex, 'hex')[0]! > 0xf0, 'the finding carries the input that caused it');
  assert.ok(r.outcomes['err:SKEIN_ERR_DECODE']! > 0 || r.outcomes.ok! > 0);
});

test('fuzz engine: a broken invariant is a finding; typed refusals are not', async () => {
  const t = target((input) => {
    invariant(input.byteLength < 20, 'input too long for the probe');
    return 'ok';
  });
  const r = await fuzzLoop(t, OPTS);
  assert.deepEqual(r.findings.map((f) => f.kind), ['invariant']);
  const clean = await fuzzLoop(target(() => typed(() => { throw new DecodeError('always'); })), { ...OPTS, runs: 300 });
  assert.deepEqual(clean.findings, []);
  assert.equal(clean.executions, 300);
});

test('fuzz engine: an execution that burns more CPU than the bound is a hang', async () => {
  const t = target((input) => {
    if (input.byteLength > 4) {
      const until = process.cpuUsage().user + 200_000;
      while (process.cpuUsage().user < until) { /* burn */ }
    }
    return 'ok';
  });
  const r = await fuzzLoop(t, { ...OPTS, hangMs: 50 });
  assert.deepEqual(r.findings.map((f) => f.kind), ['hang']);
});

test('fuzz engine: the watchdog saves the input and kills a process stuck in one execution', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skein-fuzz-'));
  try {
    const script = join(dir, 'spin.mts');
    const engine = new URL('../../fuzz/engine/', import.meta.url).pathname;
    writeFileSync(script, `
      import { fuzzLoop } from '${engine}loop.js';
      import { Watchdog } from '${engine}watchdog.js';
      const t = { name: 'spin', description: '', maxInputBytes: 64, run: (i) => { if (i.byteLength > 3) for (;;) {} return 'ok'; } };
      await fuzzLoop(t, { runs: 1e6, seconds: 30, seed: 1, hangMs: 300, watchdog: new Watchdog('spin', 300, '${dir}', 64) });
      console.log('loop ended');
    `);
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(child.signal, 'SIGKILL', `the watchdog kills the process (stdout: ${child.stdout}, stderr: ${child.stderr.slice(-500)})`);
    assert.match(child.stderr, /FUZZ-HANG spin/);
    const saved = readdirSync(dir).filter((f) => f.startsWith('hang-'));
    assert.equal(saved.length, 1);
    assert.ok(readFileSync(join(dir, saved[0]!)).byteLength > 3, 'the saved input is the one that spins');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fuzz engine: mutations respect the size bound; the message container round-trips', () => {
  const rng = new FuzzRandom(9);
  let data: Uint8Array = new Uint8Array(32).fill(7);
  for (let i = 0; i < 5_000; i++) {
    data = mutate(data, rng, new Uint8Array(50).fill(1), 40);
    assert.ok(data.byteLength <= 40);
  }
  const msgs = [new Uint8Array(0), Uint8Array.from([1, 2, 3]), new Uint8Array(300).fill(9)];
  assert.deepEqual(splitMessages(joinMessages(msgs)).map((m) => [...m]), msgs.map((m) => [...m]));
});
