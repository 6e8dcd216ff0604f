/**
 * A name claimed by several members resolves by the certificates alone:
 * the same answer whatever order (distance) the members are listed in, and
 * each change in the set of claimants is reported once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MemberNames } from '../../src/node/member-names.js';

const member = (name: string, id: string, certifiedSinceMs: number, hops = 1) => ({ name, id, certifiedSinceMs, hops });

test('the newest certificate holds the name; equal times go to the lower id', () => {
  const names = new MemberNames<ReturnType<typeof member>>();
  const near = member('web1', 'bb'.repeat(16), 1_000, 1);
  const far = member('web1', 'cc'.repeat(16), 2_000, 5);
  names.update([near, far]);
  assert.equal(names.resolve('web1')?.id, far.id, 'the nearer member does not capture the name');
  const tie = member('db1', 'aa'.repeat(16), 5_000, 3);
  const tie2 = member('db1', 'dd'.repeat(16), 5_000, 1);
  names.update([tie2, tie]);
  assert.equal(names.resolve('db1')?.id, tie.id);
});

test('every order of the members (every position in the mesh) gives the same holder', () => {
  fc.assert(fc.property(
    fc.uniqueArray(fc.record({ id: fc.stringMatching(/^[0-9a-f]{32}$/), since: fc.integer({ min: 0, max: 5 }) }), { minLength: 1, maxLength: 8, selector: (m) => m.id }),
    fc.integer(),
    (claims, seed) => {
      const members = claims.map((c) => member('web1', c.id, c.since));
      const shuffled = [...members].sort((a, b) => ((a.id.charCodeAt(seed & 7) ^ seed) - (b.id.charCodeAt(seed & 7) ^ seed)));
      const one = new MemberNames<ReturnType<typeof member>>();
      const two = new MemberNames<ReturnType<typeof member>>();
      one.update(members);
      two.update(shuffled);
      assert.equal(one.resolve('web1')?.id, two.resolve('web1')?.id);
    },
  ), { numRuns: 500 });
});

test('a conflict is reported when it appears and when its members change, not on every update', () => {
  const names = new MemberNames<ReturnType<typeof member>>();
  const a = member('web1', 'aa'.repeat(16), 1);
  const b = member('web1', 'bb'.repeat(16), 2);
  const c = member('web1', 'cc'.repeat(16), 3);
  assert.deepEqual(names.update([a]), []);
  const first = names.update([a, b]);
  assert.equal(first.length, 1);
  assert.deepEqual(first[0], { name: 'web1', holder: b.id, members: [b.id, a.id] });
  assert.equal(names.inConflict('web1'), true);
  assert.deepEqual(names.update([b, a]), [], 'the same claimants again: no new report');
  assert.equal(names.update([a, b, c])[0]?.holder, c.id);
  assert.deepEqual(names.update([c]), []);
  assert.equal(names.inConflict('web1'), false);
  assert.deepEqual(names.conflicts(), []);
});
