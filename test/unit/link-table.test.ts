/**
 * The link table (link/link-table.ts) and the channel's held payloads
 * (SecureChannel.receive): the two parts the link manager composes when a
 * channel opens.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LinkTable, linkKey, type TableLink } from '../../src/link/link-table.js';
import { MAX_HELD_MESSAGES, SecureChannel } from '../../src/link/channel.js';
import { MemoryDuplex } from '../../src/link/memory-duplex.js';
import { ManualClock } from '../../src/util/clock.js';
import { ALICE, BOB, handshakeOptions } from './link-fixtures.js';

interface FakeLink extends TableLink { name: string }

const LOW = new Uint8Array([0x01]);
const HIGH = new Uint8Array([0xf0]);
const link = (name: string, weDialed: boolean, openedAtMono: number, key = linkKey('peer', 'eth0')): FakeLink => ({ name, key, weDialed, openedAtMono });

test('link table: keyed by peer id and via; a duplicate keeps the lower id\'s dial on both ends', () => {
  assert.equal(linkKey('ab12', 'static'), 'ab12|static');
  // We are the lower id: the link we dialed wins, whichever came first.
  const low = new LinkTable<FakeLink>(LOW);
  assert.deepEqual(low.adopt(link('theirs', false, 1), HIGH), { kept: 'new', displaced: undefined });
  const ours = link('ours', true, 2);
  const r = low.adopt(ours, HIGH);
  assert.equal(r.kept, 'new');
  assert.equal(r.kept === 'new' && r.displaced?.name, 'theirs');
  assert.equal(low.get(ours.key), ours);
  assert.equal(low.adopt(link('theirs again', false, 3), HIGH).kept, 'existing');
  assert.equal(low.size, 1);

  // The higher id decides the same: the link the lower id dialed (theirs) stays.
  const high = new LinkTable<FakeLink>(HIGH);
  high.adopt(link('theirs', false, 1), LOW);
  const outcome = high.adopt(link('ours', true, 2), LOW);
  assert.equal(outcome.kept, 'existing');
  assert.equal(outcome.kept === 'existing' && outcome.existing.name, 'theirs');
});

test('link table: two links dialed by the same node: the newer stays; remove() forgets only the link it holds', () => {
  const t = new LinkTable<FakeLink>(LOW);
  const first = link('first', true, 1);
  const second = link('second', true, 5);
  t.adopt(first, HIGH);
  assert.equal(t.adopt(second, HIGH).kept, 'new');
  assert.equal(t.remove(first), false, 'the replaced link closing later does not remove its successor');
  assert.equal(t.holds(second), true);
  const other = link('other via', false, 1, linkKey('peer', 'static'));
  t.adopt(other, HIGH);
  assert.deepEqual(t.values().map((l) => l.name).sort(), ['other via', 'second']);
  assert.equal(t.remove(second), true);
  assert.equal(t.has(second.key), false);
  assert.equal(t.size, 1);
});

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

async function openPair(): Promise<{ a: SecureChannel; b: SecureChannel }> {
  const clock = new ManualClock();
  const [aStream, bStream] = MemoryDuplex.pair();
  const b = new SecureChannel(bStream, { ...handshakeOptions(BOB, 'responder'), clock });
  const a = new SecureChannel(aStream, { ...handshakeOptions(ALICE, 'initiator', { responderStaticKey: BOB.staticKeyPair.publicKey }), clock });
  await Promise.all([a.opened, b.opened]);
  return { a, b };
}

test('channel: payloads before a receiver is attached are held (bounded) and delivered to it first, in order', async () => {
  const { a, b } = await openPair();
  for (let i = 0; i < MAX_HELD_MESSAGES + 10; i++) a.send(i % 4, new Uint8Array([i]));
  await settle();
  const got: Array<[number, number]> = [];
  b.receive((ch, data) => got.push([ch, data[0]!]));
  assert.equal(got.length, MAX_HELD_MESSAGES, 'held up to the bound');
  assert.deepEqual(got.slice(0, 3), [[0, 0], [1, 1], [2, 2]]);
  a.send(9, new Uint8Array([200]));
  await settle();
  assert.deepEqual(got.at(-1), [9, 200], 'later payloads go straight to the receiver');
  a.close();
  b.close();
});

test('channel: with a \'message\' listener and no receiver, nothing is held', async () => {
  const { a, b } = await openPair();
  const heard: number[] = [];
  b.on('message', (_ch, data) => heard.push(data[0]!));
  a.send(1, new Uint8Array([7]));
  await settle();
  const late: number[] = [];
  b.receive((_ch, data) => late.push(data[0]!));
  assert.deepEqual(heard, [7]);
  assert.deepEqual(late, [], 'the listener had it: not delivered twice');
  a.close();
  b.close();
});
