import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareNodeIds, dialDelayMs, dialsFirst, resolveDuplicate } from '../../src/link/tiebreak.js';
import { fromHex } from '../../src/codec/codec.js';

const LOW = fromHex('00112233445566778899aabbccddeeff');
const HIGH = fromHex('80112233445566778899aabbccddeeff');

test('tiebreak: ids compare byte-wise, like their hex text', () => {
  assert.equal(compareNodeIds(LOW, HIGH), -1);
  assert.equal(compareNodeIds(HIGH, LOW), 1);
  assert.equal(compareNodeIds(LOW, new Uint8Array(LOW)), 0);
  fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), (a, b) => {
    const hex = Buffer.from(a).toString('hex').localeCompare(Buffer.from(b).toString('hex'));
    assert.equal(compareNodeIds(a, b), Math.sign(hex));
  }), { numRuns: 500 });
});

test('tiebreak: exactly one side of a pair dials first; the other waits the grace period', () => {
  assert.equal(dialsFirst(LOW, HIGH), true);
  assert.equal(dialsFirst(HIGH, LOW), false);
  assert.equal(dialDelayMs(LOW, HIGH, 3000), 0);
  assert.equal(dialDelayMs(HIGH, LOW, 3000), 3000);
});

test('tiebreak: with crossed dials both ends keep the same link (the one the lower id dialed)', () => {
  // Link X dialed by LOW, link Y dialed by HIGH; each end sees them in either order.
  for (const [firstIsX, t1, t2] of [[true, 10, 20], [false, 10, 20], [true, 20, 10]] as const) {
    const x = (local: Uint8Array, at: number) => ({ weDialed: local === LOW, openedAt: at });
    const y = (local: Uint8Array, at: number) => ({ weDialed: local === HIGH, openedAt: at });
    const keptBy = (local: Uint8Array, remote: Uint8Array) => {
      const [existing, incoming] = firstIsX ? [x(local, t1), y(local, t2)] : [y(local, t1), x(local, t2)];
      const d = resolveDuplicate(local, remote, existing, incoming);
      return (d === 'keep-new') === firstIsX ? 'Y' : 'X';
    };
    assert.equal(keptBy(LOW, HIGH), 'X');
    assert.equal(keptBy(HIGH, LOW), 'X');
  }
});

test('tiebreak: two links dialed by the same node keep the newer (a redial after a restart)', () => {
  const old = { weDialed: true, openedAt: 100 };
  const fresh = { weDialed: true, openedAt: 200 };
  assert.equal(resolveDuplicate(LOW, HIGH, old, fresh), 'keep-new');
  assert.equal(resolveDuplicate(LOW, HIGH, fresh, old), 'keep-existing');
  assert.equal(resolveDuplicate(HIGH, LOW, { weDialed: false, openedAt: 1 }, { weDialed: false, openedAt: 2 }), 'keep-new');
});
