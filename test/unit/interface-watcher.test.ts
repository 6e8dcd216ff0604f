import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InterfaceInfo } from '../../src/discovery/interface-selection.js';
import { BACKSTOP_POLL_MS, InterfaceWatcher, type InterfaceChangeFeed } from '../../src/discovery/interface-watcher.js';
import { ManualClock } from '../../src/util/clock.js';

const eth = (name: string, index: number, up = true): InterfaceInfo => ({ name, index, up, multicast: true, loopback: false, linkLocal: `fe80::${index}` });

/** A change feed the test fires by hand. */
function manualFeed(): InterfaceChangeFeed & { fire(): void; watching: boolean } {
  let listener: (() => void) | undefined;
  return {
    watching: false,
    watch(onChange) {
      listener = onChange;
      this.watching = true;
      return () => { listener = undefined; this.watching = false; };
    },
    fire() { listener?.(); },
  };
}

function watcher(changes: InterfaceChangeFeed | undefined, interfaces: () => InterfaceInfo[], pollMs = 250) {
  const clock = new ManualClock();
  const seen: string[][] = [];
  const unavailable: unknown[] = [];
  const w = new InterfaceWatcher({
    source: interfaces, selection: { interfaces: [], ignoreInterfaces: [] }, pollMs, clock,
    ...(changes ? { changes } : {}),
    onPoll: (selected) => seen.push(selected.map((i) => i.name)), onError: () => undefined, onChangesUnavailable: (err) => unavailable.push(err),
  });
  return { clock, seen, unavailable, w };
}

test('with a change feed, a change is listed on the next turn, not after the poll interval', () => {
  const feed = manualFeed();
  let list = [eth('a', 2), eth('b', 3)];
  const { clock, seen, w } = watcher(feed, () => list);
  w.start();
  assert.deepEqual(seen, [['a', 'b']]);
  list = [eth('a', 2), eth('b', 3, false)];
  feed.fire();
  clock.advance(0);
  assert.deepEqual(seen, [['a', 'b'], ['a']]);
  w.stop();
  assert.equal(feed.watching, false, 'stop ends the subscription');
});

test('a burst of kernel messages is one listing', () => {
  const feed = manualFeed();
  const { clock, w } = watcher(feed, () => [eth('a', 2)]);
  w.start();
  for (let i = 0; i < 12; i++) feed.fire();
  clock.advance(0);
  assert.deepEqual(w.counters, { polls: 2, changeEvents: 12 });
  w.stop();
});

test('with a change feed the timer is only a backstop; without one it is the poll interval', () => {
  const withFeed = watcher(manualFeed(), () => [eth('a', 2)]);
  withFeed.w.start();
  withFeed.clock.advance(BACKSTOP_POLL_MS * 3);
  assert.equal(withFeed.w.counters.polls, 1 + 3);
  withFeed.w.stop();

  const polling = watcher(undefined, () => [eth('a', 2)]);
  polling.w.start();
  polling.clock.advance(250 * 8);
  assert.equal(polling.w.counters.polls, 1 + 8);
  polling.w.stop();
});

test('a feed that cannot start (no addon, no netlink) leaves the watcher polling every pollMs, and says so', () => {
  const broken: InterfaceChangeFeed = { watch: () => { throw new Error('socket(AF_NETLINK): Protocol not supported'); } };
  const { clock, unavailable, w } = watcher(broken, () => [eth('a', 2)]);
  w.start();
  clock.advance(250 * 4);
  assert.equal(w.counters.polls, 1 + 4);
  assert.match(String(unavailable[0]), /AF_NETLINK/);
  w.stop();
});

test('a change after stop lists nothing', () => {
  let listener: (() => void) | undefined;
  const leaky: InterfaceChangeFeed = { watch: (onChange) => { listener = onChange; return () => undefined; } };
  const { clock, w } = watcher(leaky, () => [eth('a', 2)]);
  w.start();
  w.stop();
  listener?.();
  clock.advance(BACKSTOP_POLL_MS * 2);
  assert.equal(w.counters.polls, 1);
});
