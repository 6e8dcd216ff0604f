import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interfaceNames, watchInterfacePresence } from '../../src/dataplane/tun-presence.js';

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
  const stop = watchInterfacePresence('skein0', (r) => calls.push(r), () => text, 5);
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(calls, []);
  text = NET_DEV.replace(/^skein0:.*\n/m, '');
  await new Promise((r) => setTimeout(r, 40));
  assert.deepEqual(calls, ['interface skein0 no longer exists']);
  stop();
});

test('watchInterfacePresence: an unreadable list counts as gone, with the reason', async () => {
  const calls: string[] = [];
  const stop = watchInterfacePresence('skein0', (r) => calls.push(r), () => { throw new Error('EACCES'); }, 5);
  await new Promise((r) => setTimeout(r, 30));
  stop();
  assert.equal(calls.length, 1);
  assert.match(calls[0] as string, /cannot read \/proc\/self\/net\/dev: EACCES/);
});
