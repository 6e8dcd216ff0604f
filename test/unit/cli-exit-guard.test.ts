/**
 * The exit guard against a process-like emitter and a manual clock: every
 * way out (end, error, each signal, a closed stdout or stderr, an uncaught
 * exception, an unhandled rejection) aborts the guarded work, runs each
 * teardown exactly once, newest first, bounded in time, then exits once
 * with the code the cause calls for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { ExitGuard, EXIT_CLOSED_PIPE, EXIT_INTERNAL_ERROR, GUARDED_SIGNALS, type GuardedWork } from '../../src/cli/exit-guard.js';
import { ManualClock } from '../../src/util/clock.js';

class FakeProcess extends EventEmitter {
  readonly stdout = new EventEmitter();
  readonly stderr = new EventEmitter();
  readonly exits: number[] = [];
  exitCode: number | string | undefined;

  exit(code: number): void {
    this.exits.push(code);
  }
}

interface Rig {
  proc: FakeProcess;
  clock: ManualClock;
  guard: ExitGuard;
  lines: string[];
  events: string[];
}

function rig(): Rig {
  const proc = new FakeProcess();
  const clock = new ManualClock();
  const lines: string[] = [];
  const guard = new ExitGuard({ process: proc, clock, report: (l) => lines.push(l), unwindTimeoutMs: 1_000, teardownTimeoutMs: 2_000 });
  return { proc, clock, guard, lines, events: [] };
}

/** Let every pending promise callback run (the guard never needs a timer unless something hangs). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

function work(r: Rig, label: string): GuardedWork {
  return { label, teardown: () => { r.events.push(`teardown ${label}`); } };
}

/** A task that runs until its signal aborts, then unwinds (like the demo waiting for Ctrl-C). */
function untilAborted(r: Rig, label: string) {
  return (signal: AbortSignal) => new Promise<string>((resolve) => {
    const done = () => { r.events.push(`aborted ${label}`); resolve(label); };
    if (signal.aborted) done();
    else signal.addEventListener('abort', done, { once: true });
  });
}

const CAUSES: Array<{ name: string; trigger: (p: FakeProcess) => void; code: number }> = [
  ...GUARDED_SIGNALS.map((signal) => ({ name: signal, trigger: (p: FakeProcess) => { p.emit(signal, signal); }, code: { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 }[signal] })),
  { name: 'EPIPE on stdout', trigger: (p) => { p.stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })); }, code: EXIT_CLOSED_PIPE },
  { name: 'EPIPE on stderr', trigger: (p) => { p.stderr.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })); }, code: EXIT_CLOSED_PIPE },
  { name: 'uncaught exception', trigger: (p) => { p.emit('uncaughtException', new Error('boom')); }, code: EXIT_INTERNAL_ERROR },
  { name: 'unhandled rejection', trigger: (p) => { p.emit('unhandledRejection', new Error('boom')); }, code: EXIT_INTERNAL_ERROR },
];

for (const cause of CAUSES) {
  test(`${cause.name}: both works aborted, teardowns once each, newest first, then one exit ${cause.code}`, async () => {
    const r = rig();
    const outer = r.guard.main(async () => {
      await r.guard.run(work(r, 'outer'), async (signal) => {
        await r.guard.run(work(r, 'inner'), untilAborted(r, 'inner'));
        await untilAborted(r, 'outer')(signal);
      });
      return 0;
    });
    await settle();
    assert.equal(r.guard.guarded, 2);
    cause.trigger(r.proc);
    const code = await outer;
    await settle();
    assert.equal(code, cause.code);
    assert.deepEqual(r.proc.exits, [cause.code]);
    assert.equal(r.proc.exitCode, cause.code);
    assert.deepEqual(r.events.filter((e) => e.startsWith('aborted')).sort(), ['aborted inner', 'aborted outer']);
    assert.deepEqual(r.events.filter((e) => e.startsWith('teardown')), ['teardown inner', 'teardown outer']);
    assert.equal(r.guard.guarded, 0);
    if (cause.name.startsWith('EPIPE')) assert.deepEqual(r.lines, [], 'a closed pipe ends quietly');
    if (cause.code === EXIT_INTERNAL_ERROR) assert.match(r.lines[0] ?? '', /^skein: internal error: boom$/);
  });
}

test('a normal end and an error each run the teardown once, and exit nothing themselves', async () => {
  const r = rig();
  assert.equal(await r.guard.main(() => r.guard.run(work(r, 'a'), async () => 7)), 7);
  await assert.rejects(r.guard.run(work(r, 'b'), async () => { throw new Error('step failed'); }), /step failed/);
  assert.deepEqual(r.events, ['teardown a', 'teardown b']);
  assert.deepEqual(r.proc.exits, []);
  assert.equal(r.guard.cause, undefined);
});

test('keepOnSuccess keeps the result of a work that succeeds, not of one that fails or is interrupted', async () => {
  const r = rig();
  await r.guard.run({ ...work(r, 'kept'), keepOnSuccess: true }, async () => 'lab');
  await assert.rejects(r.guard.run({ ...work(r, 'failed'), keepOnSuccess: true }, async () => { throw new Error('no'); }));
  // Succeeds after the exit began (the abort came too late for it to notice): still torn down.
  const late = r.guard.run({ ...work(r, 'late'), keepOnSuccess: true }, async (signal) => { await untilAborted(r, 'late')(signal); return 'built anyway'; });
  await settle();
  r.proc.emit('SIGTERM', 'SIGTERM');
  assert.equal(await late, 'built anyway');
  await settle();
  assert.deepEqual(r.events, ['teardown failed', 'aborted late', 'teardown late']);
  assert.deepEqual(r.proc.exits, [143]);
});

test('a second signal while tearing down neither repeats a teardown nor exits twice', async () => {
  const r = rig();
  let finishTeardown: () => void = () => {};
  r.guard.watchOutput();
  const slow: GuardedWork = { label: 'slow', teardown: () => new Promise<void>((resolve) => { r.events.push('teardown slow'); finishTeardown = resolve; }) };
  void r.guard.run(slow, untilAborted(r, 'slow')).catch(() => {});
  await settle();
  r.proc.emit('SIGINT', 'SIGINT');
  await settle();
  r.proc.emit('SIGINT', 'SIGINT');
  r.proc.emit('SIGTERM', 'SIGTERM');
  r.proc.stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
  await settle();
  assert.deepEqual(r.proc.exits, [], 'no exit before the teardown has finished');
  finishTeardown();
  await settle();
  assert.deepEqual(r.events, ['aborted slow', 'teardown slow']);
  assert.deepEqual(r.proc.exits, [130], 'the first cause decides the code');
  assert.equal(r.lines.filter((l) => /already tearing down \(at most 3 s for each guarded work\)/.test(l)).length, 2);
});

test('a work that never unwinds is torn down after the unwind bound; a hung teardown is cut off by its bound', async () => {
  const r = rig();
  const hung: GuardedWork = { label: "lab 'x'", leftoverHint: 'skein lab down --name x', teardown: () => { r.events.push('teardown'); return new Promise<void>(() => {}); } };
  void r.guard.run(hung, () => new Promise<void>(() => {}));
  await settle();
  r.proc.emit('SIGHUP', 'SIGHUP');
  await settle();
  assert.deepEqual(r.events, []);
  r.clock.advance(1_000);
  await settle();
  assert.deepEqual(r.events, ['teardown']);
  assert.deepEqual(r.proc.exits, []);
  r.clock.advance(2_000);
  await settle();
  assert.deepEqual(r.proc.exits, [129]);
  assert.ok(r.lines.some((l) => /lab 'x' did not stop within 1 s/.test(l)), r.lines.join('\n'));
  assert.ok(r.lines.some((l) => /tearing down lab 'x' did not finish within 2 s; remove what is left with: skein lab down --name x/.test(l)), r.lines.join('\n'));
});

test('works that ignore the abort are torn down newest first, each after its own unwind bound', async () => {
  const r = rig();
  void r.guard.run(work(r, 'older'), () => new Promise<void>(() => {}));
  void r.guard.run(work(r, 'newer'), () => new Promise<void>(() => {}));
  await settle();
  r.proc.emit('SIGTERM', 'SIGTERM');
  await settle();
  r.clock.advance(1_000);
  await settle();
  assert.deepEqual(r.events, ['teardown newer']);
  r.clock.advance(1_000);
  await settle();
  assert.deepEqual(r.events, ['teardown newer', 'teardown older']);
  assert.deepEqual(r.proc.exits, [143]);
});

test('a failing teardown is reported in one line and the exit still happens', async () => {
  const r = rig();
  void r.guard.run({ label: 'w', teardown: () => { throw new Error('ip netns del: busy'); } }, untilAborted(r, 'w')).catch(() => {});
  await settle();
  r.proc.emit('SIGTERM', 'SIGTERM');
  await settle();
  assert.deepEqual(r.proc.exits, [143]);
  assert.ok(r.lines.some((l) => l === 'skein: tearing down w failed: ip netns del: busy'));
});

test('handlers: output errors at start for every command; signals and crashes only once something is guarded, and only once', async () => {
  const r = rig();
  await r.guard.main(async () => 0);
  assert.equal(r.proc.stdout.listenerCount('error'), 1);
  assert.equal(r.proc.stderr.listenerCount('error'), 1);
  assert.equal(r.proc.listenerCount('SIGINT'), 0, 'a command that creates nothing keeps the default signal handling');
  await r.guard.run(work(r, 'a'), async () => {});
  await r.guard.run(work(r, 'b'), async () => {});
  r.guard.watchOutput();
  for (const event of [...GUARDED_SIGNALS, 'uncaughtException', 'unhandledRejection']) assert.equal(r.proc.listenerCount(event), 1, event);
  assert.equal(r.proc.stdout.listenerCount('error'), 1);
});

test('with nothing guarded, a closed pipe exits 141 at once, without waiting for a command that streams forever', async () => {
  const r = rig();
  void r.guard.main(() => new Promise<number>(() => {}));
  r.proc.stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
  await settle();
  assert.deepEqual(r.proc.exits, [EXIT_CLOSED_PIPE]);
  assert.deepEqual(r.lines, []);
});

test('the command prints its last lines before the exit; a work guarded after the exit began is aborted at once', async () => {
  const r = rig();
  const printed: string[] = [];
  void r.guard.main(async () => {
    try {
      await r.guard.run(work(r, 'a'), async (signal) => {
        await untilAborted(r, 'a')(signal);
        throw new Error('interrupted');
      });
    } catch {
      await new Promise((resolve) => r.clock.setTimeout(() => resolve(undefined), 500));
      printed.push(`exit count when the command printed: ${r.proc.exits.length}`);
    }
    return 1;
  });
  await settle();
  r.proc.emit('SIGINT', 'SIGINT');
  await settle();
  assert.deepEqual(r.proc.exits, [], 'the guard waits for the command to finish printing');
  r.clock.advance(500);
  await settle();
  assert.deepEqual(printed, ['exit count when the command printed: 0']);
  assert.deepEqual(r.proc.exits, [130]);
  const late = await r.guard.run(work(r, 'late'), async (signal) => signal.aborted);
  assert.equal(late, true);
});

test('an output error that is not a closed reader is a crash (exit 70), reported in one line', async () => {
  const r = rig();
  r.guard.watchOutput();
  r.proc.stdout.emit('error', Object.assign(new Error('write ENOSPC'), { code: 'ENOSPC' }));
  await settle();
  assert.deepEqual(r.proc.exits, [EXIT_INTERNAL_ERROR]);
  assert.deepEqual(r.lines, ['skein: internal error: write ENOSPC']);
});
