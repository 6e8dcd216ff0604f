import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgingMap } from '../../src/util/aging-map.js';

test('aging map: never holds more than maxSize, evicting the oldest written', () => {
  const m = new AgingMap<string, number>(3, 1_000);
  for (let i = 0; i < 10; i++) m.set(`k${i}`, i, 0);
  assert.equal(m.size, 3);
  assert.equal(m.evicted, 7);
  assert.deepEqual(['k7', 'k8', 'k9'].map((k) => m.get(k, 0)), [7, 8, 9]);
  assert.equal(m.get('k0', 0), undefined);
});

test('aging map: an entry is forgotten ttlMs after its last write; rewriting renews it; reading does not', () => {
  const m = new AgingMap<string, number>(10, 1_000);
  m.set('a', 1, 0);
  m.set('b', 2, 500);
  assert.equal(m.get('a', 999), 1);
  assert.equal(m.get('a', 1_000), undefined);
  assert.equal(m.expired, 1);
  m.set('b', 3, 1_400);
  assert.equal(m.get('b', 2_399), 3);
  assert.equal(m.has('b', 2_400), false);
});

test('aging map: a write sweeps aged-out entries, so a flood that stops leaves nothing behind', () => {
  const m = new AgingMap<number, true>(100_000, 60_000);
  for (let i = 0; i < 50_000; i++) m.set(i, true, i); // one a ms
  assert.equal(m.size, 50_000);
  m.set(-1, true, 50_000 + 60_000);
  assert.equal(m.size, 1, 'only the latest write is left');
});
