import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GcPacer, PACE_BYTES } from '../../src/dataplane/gc-pacer.js';
import { CHECK_INTERVAL_MS, MemoryUpkeep, MIN_FULL_COLLECTION_GAP_MS, OLD_GROWTH_BYTES, PROGRAM_GROWTH_BYTES, TRIM_ABOVE_BYTES, type OldGeneration } from '../../src/node/memory-upkeep.js';
import { loadMallocHeap, residentFileBytes, type MallocHeap } from '../../src/util/malloc-heap.js';
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

/** glibc as the upkeep sees it: a trim gives pages back but leaves the chunks counted as free. */
function fakeHeap(): MallocHeap & { trims: number; free: number; releases: number } {
  return {
    trims: 0,
    free: 0,
    releases: 0,
    releaseProgramPages() {
      this.releases++;
      return 30 * 1024 * 1024;
    },
    freeBytes() {
      return this.free;
    },
    inUseBytes: () => 0,
    trim() {
      this.trims++;
      return true;
    },
  };
}

test('the heap is trimmed when more than TRIM_ABOVE_BYTES were freed since the least seen after the last trim', () => {
  const clock = new ManualClock();
  const heap = fakeHeap();
  const MiB = 1024 * 1024;
  const upkeep = new MemoryUpkeep(heap, undefined, clock, silentLogger());
  upkeep.start();
  const check = (free: number): number => {
    heap.free = free;
    clock.advance(CHECK_INTERVAL_MS);
    return heap.trims;
  };
  assert.equal(check(TRIM_ABOVE_BYTES), 0, 'a start that left little free: nothing to give back');
  assert.equal(check(10 * MiB), 1, 'traffic freed 10 MiB');
  assert.equal(check(10 * MiB), 1, 'still counted free after the trim, but already given back: no trim every check');
  assert.equal(check(6 * MiB), 1, 'chunks reused');
  assert.equal(check(6 * MiB + TRIM_ABOVE_BYTES), 1, 'freed again, but not more than TRIM_ABOVE_BYTES above the floor');
  assert.equal(check(6 * MiB + TRIM_ABOVE_BYTES + 1), 2, 'freed again past it: trimmed');
  upkeep.stop();
  heap.free = 100 * MiB;
  clock.advance(10 * CHECK_INTERVAL_MS);
  assert.deepEqual([upkeep.counters.checks, heap.trims], [6, 2], 'stopped: no more checks');
});

test('without the allocator addon or an exposed gc there is nothing to do, and starting says so without failing', () => {
  const clock = new ManualClock();
  const trim = new MemoryUpkeep(undefined, undefined, clock, silentLogger());
  trim.start();
  clock.advance(10 * CHECK_INTERVAL_MS);
  assert.equal(trim.counters.checks, 0);
});

/** An old generation whose used size follows `used` (one value a read, the last repeats); a collection drops it to `live`. */
function fakeOldGeneration(used: number[], live: number): OldGeneration & { collections: number } {
  let current = used[0] ?? 0;
  return {
    collections: 0,
    usedBytes() {
      if (used.length > 0) current = used.shift() as number;
      return current;
    },
    collect() {
      this.collections++;
      used.length = 0;
      current = live;
    },
  };
}

test('a full collection runs when the old generation grew OLD_GROWTH_BYTES past its floor, not before', () => {
  const clock = new ManualClock();
  const MiB = 1024 * 1024;
  // 10 MiB, a dip to 8 (V8 collected on its own), then growth: 8 + OLD_GROWTH_BYTES - 1 is not enough, 8 + OLD_GROWTH_BYTES is.
  const old = fakeOldGeneration([10 * MiB, 8 * MiB, 8 * MiB + OLD_GROWTH_BYTES - 1, 8 * MiB + OLD_GROWTH_BYTES], 7 * MiB);
  const upkeep = new MemoryUpkeep(undefined, old, clock, silentLogger());
  upkeep.start();
  clock.advance(3 * CHECK_INTERVAL_MS);
  assert.equal(old.collections, 0, 'growth measured from the floor (8 MiB), and short of the threshold');
  clock.advance(CHECK_INTERVAL_MS);
  assert.deepEqual([old.collections, upkeep.counters.fullCollections], [1, 1]);
  upkeep.stop();
});

/** An upkeep over a live set that really grows: every read is 5 MiB more, and a collection frees nothing. */
function upkeepOverGrowingLiveSet(): { clock: ManualClock; upkeep: MemoryUpkeep; collections: () => number } {
  const clock = new ManualClock();
  let used = 0;
  let collections = 0;
  const growing: OldGeneration = { usedBytes: () => (used += 5 * 1024 * 1024), collect: () => collections++ };
  const upkeep = new MemoryUpkeep(undefined, growing, clock, silentLogger());
  upkeep.start();
  return { clock, upkeep, collections: () => collections };
}

test('full collections are at least MIN_FULL_COLLECTION_GAP_MS apart, however fast the old generation grows', () => {
  const { clock, upkeep, collections } = upkeepOverGrowingLiveSet();
  const checks = (2 * MIN_FULL_COLLECTION_GAP_MS) / CHECK_INTERVAL_MS;
  clock.advance(checks * CHECK_INTERVAL_MS);
  assert.equal(upkeep.counters.checks, checks);
  assert.ok(collections() >= 1 && collections() <= 2, `${collections()} full collections in ${2 * MIN_FULL_COLLECTION_GAP_MS} ms`);
  upkeep.stop();
});

test('a steady old generation is never collected', () => {
  const clock = new ManualClock();
  const old = fakeOldGeneration([12 * 1024 * 1024], 12 * 1024 * 1024);
  const upkeep = new MemoryUpkeep(undefined, old, clock, silentLogger());
  upkeep.start();
  clock.advance(100 * CHECK_INTERVAL_MS);
  assert.deepEqual([upkeep.counters.checks, old.collections], [100, 0]);
  upkeep.stop();
});

test("the built addon reads glibc's allocator and trims it", (t) => {
  const heap = loadMallocHeap();
  if (heap === undefined) return t.skip('the native addons are not built');
  const glibc = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime;
  if (glibc === undefined) return t.skip('not glibc: the addon reports nothing by design');
  assert.ok(heap.freeBytes() >= 0, `glibc ${glibc}: mallinfo2 answers`);
  assert.equal(typeof heap.trim(), 'boolean');
});

test('the gap between full collections is monotonic time: a wall clock stepped back does not hold them off', () => {
  const { clock, upkeep, collections } = upkeepOverGrowingLiveSet();
  clock.advance(CHECK_INTERVAL_MS);
  clock.advance(CHECK_INTERVAL_MS);
  assert.equal(collections(), 1);
  clock.stepWallClock(-3_600_000);
  clock.advance(MIN_FULL_COLLECTION_GAP_MS + CHECK_INTERVAL_MS);
  assert.equal(collections(), 2, 'a second collection one gap later, whatever the wall clock did');
  upkeep.stop();
});

test('status reports the last full collection pause, null before the first', () => {
  const clock = new ManualClock();
  const old = fakeOldGeneration([8 * 1024 * 1024, 8 * 1024 * 1024 + OLD_GROWTH_BYTES], 7 * 1024 * 1024);
  const upkeep = new MemoryUpkeep(undefined, old, clock, silentLogger());
  assert.equal(upkeep.status().lastFullCollectionPauseMs, null);
  upkeep.start();
  clock.advance(2 * CHECK_INTERVAL_MS);
  assert.equal(old.collections, 1);
  assert.equal(typeof upkeep.status().lastFullCollectionPauseMs, 'number');
  upkeep.stop();
});

test("the upkeep drops the executable's pages at its first check, then only when more than PROGRAM_GROWTH_BYTES came back", () => {
  const clock = new ManualClock();
  const heap = fakeHeap();
  const MiB = 1024 * 1024;
  let resident = 20 * MiB;
  const upkeep = new MemoryUpkeep(heap, undefined, clock, silentLogger(), () => resident);
  upkeep.start();
  assert.equal(upkeep.status().programPagesReleasedBytes, null);
  clock.advance(CHECK_INTERVAL_MS - 1);
  assert.equal(heap.releases, 0, 'not during start-up');
  clock.advance(1);
  assert.equal(heap.releases, 1);
  assert.equal(upkeep.status().programPagesReleasedBytes, 30 * 1024 * 1024);
  resident = 15 * MiB;
  clock.advance(CHECK_INTERVAL_MS);
  assert.equal(heap.releases, 1, 'the check after a drop notes what came back');
  resident = 15 * MiB + PROGRAM_GROWTH_BYTES;
  clock.advance(100 * CHECK_INTERVAL_MS);
  assert.equal(heap.releases, 1, 'code in use that does not change: never again');
  resident += 1;
  clock.advance(CHECK_INTERVAL_MS);
  assert.equal(heap.releases, 2, 'more came back than the daemon settled at: dropped again');
  assert.equal(upkeep.counters.programReleases, 2);
  resident = 22 * MiB;
  clock.advance(CHECK_INTERVAL_MS);
  assert.equal(heap.releases, 2, 'what comes back after a drop is the new level, not growth');
  clock.advance(10 * CHECK_INTERVAL_MS);
  assert.equal(heap.releases, 2);
  upkeep.stop();
});

test('where /proc cannot say how many file pages are resident, the executable is dropped once', () => {
  const clock = new ManualClock();
  const heap = fakeHeap();
  const upkeep = new MemoryUpkeep(heap, undefined, clock, silentLogger(), () => -1);
  upkeep.start();
  clock.advance(100 * CHECK_INTERVAL_MS);
  assert.equal(heap.releases, 1);
  upkeep.stop();
});

test('this process has resident file pages, as /proc says', (t) => {
  if (process.platform !== 'linux') return t.skip('/proc/self/status is Linux');
  assert.ok(residentFileBytes() > 0);
});

test("the built addon drops the executable's clean pages and the process runs on", (t) => {
  if (loadMallocHeap() === undefined) return t.skip('the native addons are not built');
  // A child, so that this test process keeps its pages: after the drop it uses
  // V8's compiler, ICU, OpenSSL and zlib, code that must fault back in intact.
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
    import { loadMallocHeap } from './src/util/malloc-heap.ts';
    import { createHash } from 'node:crypto';
    import { deflateSync, inflateSync } from 'node:zlib';
    import { readFileSync } from 'node:fs';
    const fileKiB = () => Number(/RssFile:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
    const before = fileKiB();
    const released = loadMallocHeap().releaseProgramPages();
    const after = fileKiB();
    const work = [
      createHash('sha256').update('skein').digest('hex').slice(0, 8),
      inflateSync(deflateSync(Buffer.alloc(4096, 7))).length,
      new Intl.DateTimeFormat('de-DE', { timeZone: 'UTC' }).format(0),
      JSON.stringify(new Function('a', 'return a.map((x) => x * 2)')([1, 2, 3])),
    ];
    console.log(JSON.stringify({ before, released, after, work }));
  `], { cwd: new URL('../..', import.meta.url).pathname, encoding: 'utf8', timeout: 30_000 });
  assert.equal(child.status, 0, child.stderr);
  const r = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { before: number; released: number; after: number; work: unknown[] };
  console.log(`# executable pages: resident file pages ${r.before} KiB, dropped ${Math.round(r.released / 1024)} KiB, then ${r.after} KiB`);
  assert.ok(r.released > 1024 * 1024, `released ${r.released} bytes`);
  assert.ok(r.after < r.before, `file pages ${r.before} -> ${r.after} KiB`);
  assert.deepEqual(r.work, ['2f274239', 4096, '1.1.1970', '[2,4,6]']);
});
