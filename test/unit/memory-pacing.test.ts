import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GcPacer, PACE_BYTES } from '../../src/dataplane/gc-pacer.js';
import { CHECK_INTERVAL_MS, HeapTrim, TRIM_ABOVE_BYTES } from '../../src/node/heap-trim.js';
import { loadMallocHeap, type MallocHeap } from '../../src/util/malloc-heap.js';
import { ManualClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/log.js';

test('the pacer asks for one minor collection per PACE_BYTES of arrivals, after the current batch', () => {
  const clock = new ManualClock();
  let collections = 0;
  const pacer = new GcPacer(() => collections++, clock);
  for (let i = 0; i < 10; i++) pacer.arrived(PACE_BYTES / 4);
  assert.equal(collections, 0, 'never inside the batch that crossed the pace');
  clock.advance(0);
  assert.equal(collections, 1, 'one collection however far the batch went past the pace');
  for (let i = 0; i < 3; i++) pacer.arrived(PACE_BYTES / 4);
  clock.advance(1);
  assert.equal(collections, 1, 'the count starts again after a collection');
  pacer.arrived(PACE_BYTES / 4);
  clock.advance(1);
  assert.equal(collections, 2);
});

test('an idle pacer, or one without a collector, asks for nothing', () => {
  const clock = new ManualClock();
  let collections = 0;
  new GcPacer(() => collections++, clock);
  clock.advance(60_000);
  assert.equal(collections, 0);
  const without = new GcPacer(undefined, clock);
  without.arrived(PACE_BYTES * 10);
  clock.advance(1);
  assert.equal(without.collections, 0);
});

function fakeHeap(free: number[]): MallocHeap & { trims: number } {
  return {
    trims: 0,
    freeBytes: () => free.shift() ?? 0,
    trim() {
      this.trims++;
      return true;
    },
  };
}

test('the heap is trimmed on a check only when it holds more than TRIM_ABOVE_BYTES free', () => {
  const clock = new ManualClock();
  const heap = fakeHeap([TRIM_ABOVE_BYTES - 1, TRIM_ABOVE_BYTES + 1, 0]);
  const trim = new HeapTrim(heap, clock, silentLogger());
  trim.start();
  clock.advance(CHECK_INTERVAL_MS);
  assert.deepEqual([trim.counters.checks, heap.trims], [1, 0]);
  clock.advance(CHECK_INTERVAL_MS);
  assert.deepEqual([trim.counters.checks, heap.trims], [2, 1]);
  trim.stop();
  clock.advance(10 * CHECK_INTERVAL_MS);
  assert.equal(trim.counters.checks, 2, 'stopped: no more checks');
});

test('without the allocator addon there is nothing to trim, and starting says so without failing', () => {
  const clock = new ManualClock();
  const trim = new HeapTrim(undefined, clock, silentLogger());
  trim.start();
  clock.advance(10 * CHECK_INTERVAL_MS);
  assert.equal(trim.counters.checks, 0);
});

test("the built addon reads glibc's allocator and trims it", (t) => {
  const heap = loadMallocHeap();
  if (heap === undefined) return t.skip('the native addons are not built');
  const glibc = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime;
  if (glibc === undefined) return t.skip('not glibc: the addon reports nothing by design');
  assert.ok(heap.freeBytes() >= 0, `glibc ${glibc}: mallinfo2 answers`);
  assert.equal(typeof heap.trim(), 'boolean');
});
