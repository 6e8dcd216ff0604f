/**
 * The member directory: one index answers by id, by name (the holder of a
 * claimed name) and by address, and lists each name's holder once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MemberInfo } from '../../src/control/protocol.js';
import { MemberDirectory } from '../../src/node/member-directory.js';

function member(name: string, idByte: string, certifiedSinceMs: number, self = false): MemberInfo {
  return {
    name, id: idByte.repeat(16), address: `fd00::${idByte}`, hops: self ? 0 : 1, cost: 0, sequence: 1, nextHop: null, nextHopName: null,
    path: [], ageMs: 0, self, certifiedSinceMs, nameConflict: false,
  };
}

test('resolve by id and by name, by address; a claimed name goes to its holder', () => {
  const dir = new MemberDirectory();
  const me = member('n1', '11', 0, true);
  const old = member('web', '22', 1_000);
  const renewed = member('web', '33', 2_000);
  const conflicts = dir.update([me, old, renewed]);
  assert.deepEqual(conflicts.map((c) => [c.name, c.holder]), [['web', renewed.id]]);
  assert.equal(dir.resolve('web'), renewed, 'the newer certificate holds the name');
  assert.equal(dir.resolve(old.id), old, 'an id finds its member even when another holds its name');
  assert.equal(dir.resolve('nobody'), undefined);
  assert.equal(dir.byAddressText('fd00::22'), old);
  assert.equal(old.nameConflict, true);
  assert.equal(me.nameConflict, false);
  assert.deepEqual(dir.holders().map((m) => m.id), [me.id, renewed.id]);
  assert.deepEqual(dir.others().map((m) => m.id), [old.id, renewed.id]);
});

test('an update replaces the whole index', () => {
  const dir = new MemberDirectory();
  const a = member('a', 'aa', 0);
  dir.update([a]);
  dir.update([member('b', 'bb', 0)]);
  assert.equal(dir.resolve('a'), undefined);
  assert.equal(dir.resolve(a.id), undefined);
  assert.equal(dir.resolve('b')?.id, 'bb'.repeat(16));
});
