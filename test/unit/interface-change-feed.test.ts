import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type InterfaceChangeFeed, sharedInterfaceChanges } from '../../src/util/interface-change-feed.js';

function countingFeed(): InterfaceChangeFeed & { fire(): void; subscriptions: number; live: number } {
  const listeners = new Set<() => void>();
  return {
    subscriptions: 0,
    live: 0,
    watch(onChange) {
      this.subscriptions++;
      this.live++;
      listeners.add(onChange);
      return () => { listeners.delete(onChange); this.live--; };
    },
    fire() { for (const l of [...listeners]) l(); },
  };
}

test('shared interface changes: one subscription for every watcher, each told of each event, stopped with the last', () => {
  const feed = countingFeed();
  const shared = sharedInterfaceChanges(feed);
  const heard = { a: 0, b: 0 };
  const stopA = shared.watch(() => heard.a++);
  const stopB = shared.watch(() => heard.b++);
  assert.equal(feed.subscriptions, 1);
  feed.fire();
  assert.deepEqual(heard, { a: 1, b: 1 });
  stopA();
  stopA(); // idempotent: must not stop B's events
  feed.fire();
  assert.deepEqual(heard, { a: 1, b: 2 });
  assert.equal(feed.live, 1);
  stopB();
  assert.equal(feed.live, 0);
  shared.watch(() => undefined)();
  assert.equal(feed.subscriptions, 2, 'a later watcher subscribes again');
});

test('shared interface changes: a feed that cannot start fails each watcher as it would alone', () => {
  let attempts = 0;
  const shared = sharedInterfaceChanges({ watch() { attempts++; throw new Error('no netlink'); } });
  assert.throws(() => shared.watch(() => undefined), /no netlink/);
  assert.throws(() => shared.watch(() => undefined), /no netlink/);
  assert.equal(attempts, 2);
});
