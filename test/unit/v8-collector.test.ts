/**
 * The collectors the daemon asks V8 for must be the kind they are named for:
 * observed through V8's own GC performance entries, in this process, with
 * `gc` exposed the way `--expose-gc` would.
 */
import assert from 'node:assert/strict';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { exposedFullCollector, exposedMinorCollector } from '../../src/util/v8-collector.js';

async function kindsOfCollectionsDuring(run: () => void): Promise<number[]> {
  const kinds: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) kinds.push((entry as PerformanceEntry & { detail: { kind: number } }).detail.kind);
  });
  observer.observe({ entryTypes: ['gc'] });
  run();
  // GC entries are delivered asynchronously, after the collection.
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  return kinds;
}

function withExposedGc<T>(body: () => T): T {
  const holder = globalThis as { gc?: unknown };
  const before = holder.gc;
  setFlagsFromString('--expose-gc');
  holder.gc = runInNewContext('gc');
  try {
    return body();
  } finally {
    holder.gc = before;
  }
}

test('the full collector runs a mark-compact, not a scavenge', async () => {
  const collect = withExposedGc(() => exposedFullCollector());
  assert.ok(collect !== undefined);
  const kinds = await kindsOfCollectionsDuring(collect);
  assert.ok(kinds.includes(constants.NODE_PERFORMANCE_GC_MAJOR), `kinds seen: ${kinds.join(', ')}`);
});

test('the minor collector runs a scavenge and no mark-compact', async () => {
  const collect = withExposedGc(() => exposedMinorCollector());
  assert.ok(collect !== undefined);
  const kinds = await kindsOfCollectionsDuring(collect);
  assert.ok(kinds.includes(constants.NODE_PERFORMANCE_GC_MINOR), `kinds seen: ${kinds.join(', ')}`);
  assert.ok(!kinds.includes(constants.NODE_PERFORMANCE_GC_MAJOR), `kinds seen: ${kinds.join(', ')}`);
});

test('without an exposed gc there is no collector', () => {
  const holder = globalThis as { gc?: unknown };
  const before = holder.gc;
  delete holder.gc;
  try {
    assert.equal(exposedFullCollector(), undefined);
    assert.equal(exposedMinorCollector(), undefined);
  } finally {
    holder.gc = before;
  }
});
