import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interfaceNames, watchInterfacePresence } from '../../src/dataplane/tun-presence.js';
import type { InterfaceChangeFeed } from '../../src/util/interface-change-feed.js';

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:   10760    6589    0    0    0     0          0         0 10760    6589    0    0    0     0       0          0
skein0:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
lab-n2:12345678    99    0    0    0     0          0         0        0       0    0    0    0     0       0          0
`;

test('interfaceNames: every interface of /proc/net/dev, headers skipped, names glued to counters included', () => {
  assert.deepEqual([...interfaceNames(NET_DEV)].sort(), ['lab-n2', 'lo', 'skein0']);
});

test('watchInterfacePresence: silent while the interface is listed, one call once it is gone', async () => {
  let text = NET_DEV;
  const calls: string[] = [];
  const stop = watchInterfacePresence('skein0', (r) => calls.push(r), { read: () => text, pollMs: 5 });
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(calls, []);
  text = NET_DEV.replace(/^skein0:.*\n/m, '');
  await new Promise((r) => setTimeout(r, 40));
  assert.deepEqual(calls, ['interface skein0 no longer exists']);
  stop();
});

test('watchInterfacePresence: an unreadable list counts as gone, with the reason', async () => {
  const calls: string[] = [];
  const stop = watchInterfacePresence('skein0', (r) => calls.push(r), { read: () => { throw new Error('EACCES'); }, pollMs: 5 });
  await new Promise((r) => setTimeout(r, 30));
  stop();
  assert.equal(calls.length, 1);
  assert.match(calls[0] as string, /cannot read \/proc\/self\/net\/dev: EACCES/);
});

/** A feed the test fires by hand, counting its watchers. */
function manualFeed(): InterfaceChangeFeed & { fire(): void; watchers: number } {
  const listeners = new Set<() => void>();
  return {
    watchers: 0,
    watch(onChange) {
      listeners.add(onChange);
      this.watchers++;
      return () => { listeners.delete(onChange); this.watchers--; };
    },
    fire() { for (const l of [...listeners]) l(); },
  };
}

test('watchInterfacePresence: with interface events, a deletion is noticed at the event, not at the next poll', () => {
  let text = NET_DEV;
  const calls: string[] = [];
  const feed = manualFeed();
  let reads = 0;
  const stop = watchInterfacePresence('skein0', (r) => calls.push(r), { read: () => { reads++; return text; }, changes: feed, backstopMs: 60_000 });
  feed.fire(); // some other interface changed: still listed, still watching
  assert.deepEqual(calls, []);
  text = NET_DEV.replace(/^skein0:.*\n/m, '');
  feed.fire();
  assert.deepEqual(calls, ['interface skein0 no longer exists']);
  assert.equal(reads, 2, 'one listing per event, no poll in between');
  assert.equal(feed.watchers, 0, 'the feed is let go once the device is gone');
  feed.fire();
  assert.equal(calls.length, 1);
  stop();
});

test('watchInterfacePresence: a feed that cannot start leaves the poll to do it', async () => {
  const text = NET_DEV.replace(/^skein0:.*\n/m, '');
  const calls: string[] = [];
  const broken: InterfaceChangeFeed = { watch() { throw new Error('no netlink'); } };
  const stop = watchInterfacePresence('skein0', (r) => calls.push(r), { read: () => text, changes: broken, pollMs: 5, backstopMs: 60_000 });
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(calls, ['interface skein0 no longer exists']);
  stop();
});

test('watchInterfacePresence: stop lets the feed go', () => {
  const feed = manualFeed();
  const stop = watchInterfacePresence('skein0', () => assert.fail('not gone'), { read: () => NET_DEV, changes: feed });
  assert.equal(feed.watchers, 1);
  stop();
  assert.equal(feed.watchers, 0);
});
