import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Discovery, NEW_NODE_ANSWERS } from '../../src/discovery/discovery.js';
import type { MessageHandler, MulticastTransport } from '../../src/discovery/multicast.js';
import type { InterfaceInfo } from '../../src/discovery/interface-selection.js';
import type { Sighting } from '../../src/discovery/receive-policy.js';
import { decodeAdvertisement } from '../../src/wire/advertisement.js';
import { ManualClock } from '../../src/util/clock.js';
import type { Random } from '../../src/util/random.js';
import { advert, CLUSTER, keyPair, T0 } from './discovery-fixtures.js';

/** In-memory double of the UDP edge: records what Discovery does, lets the test deliver datagrams. */
class FakeTransport implements MulticastTransport {
  joins: string[] = [];
  leaves: string[] = [];
  sends: { ifname: string; data: Uint8Array }[] = [];
  failJoin = new Set<string>();
  sendError: string | undefined;
  closed = false;
  private handler: MessageHandler | undefined;

  async open(onMessage: MessageHandler): Promise<void> { this.handler = onMessage; }
  join(ifname: string): void {
    if (this.failJoin.has(ifname)) throw Object.assign(new Error('no such device'), { code: 'ENODEV' });
    this.joins.push(ifname);
  }
  leave(ifname: string): void { this.leaves.push(ifname); }
  async send(data: Uint8Array, ifname: string): Promise<NodeJS.ErrnoException | undefined> {
    this.sends.push({ ifname, data });
    return this.sendError === undefined ? undefined : Object.assign(new Error(this.sendError), { code: this.sendError });
  }
  async close(): Promise<void> { this.closed = true; }
  deliver(data: Uint8Array, from: string): void { this.handler!(data, from); }
}

/** float() = 0.5 makes every delay exactly the interval. */
const midRandom: Random = { bytes: (n) => new Uint8Array(n).fill(0xab), float: () => 0.5 };
const settle = () => new Promise((r) => setImmediate(r));

function iface(name: string, index: number): InterfaceInfo {
  return { name, index, up: true, multicast: true, loopback: false, linkLocal: `fe80::${index}` };
}

function setup(initial: InterfaceInfo[]) {
  const clock = new ManualClock(T0);
  const transport = new FakeTransport();
  let interfaces = initial;
  const me = keyPair(20);
  const discovery = new Discovery({
    keyPair: me, nodeName: 'node-a', clusterId: CLUSTER, listenPort: 7460,
    config: { intervalMs: 2000, interfacePollMs: 1000, jitter: 0.25 },
    clock, random: midRandom, transport, interfaceSource: () => interfaces,
  });
  const events: string[] = [];
  discovery.on('interfaceUp', (i) => events.push(`up:${i.name}#${i.index}`));
  discovery.on('interfaceDown', (i) => events.push(`down:${i.name}#${i.index}`));
  return { clock, transport, discovery, events, me, setInterfaces: (l: InterfaceInfo[]) => { interfaces = l; } };
}

test('joins every selected interface at start, advertises at once and then every interval', async () => {
  const { clock, transport, discovery, events } = setup([iface('eth0', 2), iface('eth1', 3)]);
  await discovery.start();
  assert.deepEqual(transport.joins, ['eth0', 'eth1']);
  assert.deepEqual(events, ['up:eth0#2', 'up:eth1#3']);
  assert.deepEqual(transport.sends.map((s) => s.ifname), ['eth0', 'eth1']);
  clock.advance(1999);
  assert.equal(transport.sends.length, 2);
  clock.advance(1);
  assert.equal(transport.sends.length, 4);
  const ads = transport.sends.map((s) => decodeAdvertisement(s.data));
  assert.deepEqual(ads.map((a) => a.counter), [1, 2, 3, 4]);
  assert.deepEqual([ads[0]!.name, ads[0]!.port, ads[0]!.timestampMs, ads[3]!.timestampMs], ['node-a', 7460, T0, T0 + 2000]);
  assert.deepEqual(discovery.currentInterfaces().map((i) => i.name), ['eth0', 'eth1']);
  await settle();
  assert.equal(discovery.counters().sent, 4);
  await discovery.stop();
});

test('jitter moves each send by up to ±jitter × interval', async () => {
  const clock = new ManualClock(T0);
  const transport = new FakeTransport();
  let f = 0;
  const sequence = [0, 1 - 1e-9]; // earliest, then latest
  const random: Random = { bytes: (n) => new Uint8Array(n), float: () => sequence[f++ % 2]! };
  const d = new Discovery({
    keyPair: keyPair(21), nodeName: 'n', clusterId: CLUSTER, listenPort: 1, clock, random, transport,
    config: { intervalMs: 1000, jitter: 0.2, interfacePollMs: 60_000 }, interfaceSource: () => [iface('eth0', 2)],
  });
  await d.start();
  clock.advance(799);
  assert.equal(transport.sends.length, 1);
  clock.advance(1); // 800 = 1000 × (1 - 0.2)
  assert.equal(transport.sends.length, 2);
  clock.advance(1199);
  assert.equal(transport.sends.length, 2);
  clock.advance(1); // +1200 = 1000 × (1 + 0.2)
  assert.equal(transport.sends.length, 3);
  await d.stop();
});

test('an interface that appears is used within one poll; one that goes away is dropped; a re-created one is re-joined', async () => {
  const { clock, transport, discovery, events, setInterfaces } = setup([iface('eth0', 2)]);
  await discovery.start();
  setInterfaces([iface('eth0', 2), iface('veth9', 7)]);
  clock.advance(1000);
  assert.deepEqual(transport.joins, ['eth0', 'veth9']);
  setInterfaces([iface('veth9', 7)]);
  clock.advance(1000);
  assert.deepEqual(transport.leaves, ['eth0']);
  const sendsBefore = transport.sends.filter((s) => s.ifname === 'eth0').length;
  clock.advance(10_000);
  assert.equal(transport.sends.filter((s) => s.ifname === 'eth0').length, sendsBefore, 'no sends on a dropped interface');
  setInterfaces([iface('veth9', 8)]); // deleted and re-created: new ifindex
  clock.advance(1000);
  assert.deepEqual(events, ['up:eth0#2', 'up:veth9#7', 'down:eth0#2', 'down:veth9#7', 'up:veth9#8']);
  assert.deepEqual(transport.joins, ['eth0', 'veth9', 'veth9']);
  assert.deepEqual(discovery.currentInterfaces(), [{ name: 'veth9', index: 8, linkLocal: 'fe80::8' }]);
  await discovery.stop();
});

test('a failed join is retried on the next poll', async () => {
  const { clock, transport, discovery } = setup([iface('eth0', 2)]);
  transport.failJoin.add('eth0');
  await discovery.start();
  assert.equal(discovery.counters().joinErrors, 1);
  assert.deepEqual(discovery.currentInterfaces(), []);
  transport.failJoin.clear();
  clock.advance(1000);
  assert.deepEqual(discovery.currentInterfaces().map((i) => i.name), ['eth0']);
  await discovery.stop();
});

test('send errors: ENETUNREACH/EADDRNOTAVAIL counted as transient, others as errors; sending goes on', async () => {
  const { clock, transport, discovery } = setup([iface('eth0', 2)]);
  transport.sendError = 'ENETUNREACH';
  await discovery.start();
  transport.sendError = 'EADDRNOTAVAIL';
  clock.advance(2000);
  transport.sendError = 'EPERM';
  clock.advance(2000);
  transport.sendError = undefined;
  clock.advance(2000);
  await settle();
  const c = discovery.counters();
  assert.deepEqual([c.sendTransientErrors, c.sendErrors, c.sent], [2, 1, 1]);
  await discovery.stop();
});

test('received datagrams: a neighbour becomes a sighting; our own, garbage and unused interfaces are counted drops', async () => {
  const { transport, discovery } = setup([iface('eth0', 2)]);
  const sightings: Sighting[] = [];
  discovery.on('sighting', (s) => sightings.push(s));
  await discovery.start();
  transport.deliver(advert(keyPair(22), { name: 'node-b', counter: 1 }), 'fe80::b%eth0');
  transport.deliver(transport.sends[0]!.data, 'fe80::a%eth0'); // our own, looped back
  transport.deliver(new Uint8Array(500), 'fe80::b%eth0');
  transport.deliver(advert(keyPair(22), { counter: 2 }), 'fe80::b%eth7');
  assert.deepEqual(sightings.map((s) => [s.name, s.address, s.ifname, s.port]), [['node-b', 'fe80::b%eth0', 'eth0', 7460]]);
  const c = discovery.counters();
  assert.deepEqual([c.received, c.accepted, c.own, c.malformed, c.interfaceNotUsed], [4, 1, 1, 1, 1]);
  await discovery.stop();
});

test('stop leaves every group, cancels every timer and closes the socket', async () => {
  const { clock, transport, discovery } = setup([iface('eth0', 2), iface('eth1', 3)]);
  await discovery.start();
  await discovery.stop();
  assert.deepEqual(transport.leaves.sort(), ['eth0', 'eth1']);
  assert.equal(clock.pending(), 0);
  assert.equal(transport.closed, true);
  await assert.rejects(discovery.start(), /cannot start/);
});

test('a bad node name is refused at construction', () => {
  assert.throws(() => new Discovery({
    keyPair: keyPair(23), nodeName: 'Not A Label', clusterId: CLUSTER, listenPort: 7460, transport: new FakeTransport(),
    interfaceSource: () => [],
  }), /DNS label/);
});

test('a node heard for the first time gets our advertisement at once; a known one does not', async () => {
  const { clock, transport, discovery } = setup([iface('eth0', 2)]);
  await discovery.start();
  assert.equal(transport.sends.length, 1); // the advertisement at start
  clock.advance(300);
  transport.deliver(advert(keyPair(22), { name: 'node-b', counter: 1 }), 'fe80::b%eth0');
  assert.equal(transport.sends.length, 2, 'answered the new node at once');
  transport.deliver(advert(keyPair(22), { name: 'node-b', counter: 2 }), 'fe80::b%eth0');
  assert.equal(transport.sends.length, 2, 'a known node is not answered again');
  clock.advance(1999);
  assert.equal(transport.sends.length, 2, 'the regular schedule restarted from the answer');
  clock.advance(1);
  assert.equal(transport.sends.length, 3);
  await discovery.stop();
});

test('a node that starts just after us is answered at once, not when a gap since our first advertisement ends', async () => {
  const { clock, transport, discovery } = setup([iface('eth0', 2)]);
  await discovery.start();
  assert.equal(transport.sends.length, 1); // the advertisement at start (node-b was not listening yet)
  clock.advance(10);
  transport.deliver(advert(keyPair(22), { name: 'node-b', counter: 1 }), 'fe80::b%eth0');
  assert.equal(transport.sends.length, 2, 'answered at once');
  await discovery.stop();
});

test(`past a burst of ${NEW_NODE_ANSWERS.burst} answers, new nodes are answered by one send when the next token comes, never dropped`, async () => {
  const { clock, transport, discovery } = setup([iface('eth0', 2)]);
  await discovery.start();
  assert.equal(transport.sends.length, 1);
  const flood = 6;
  for (let i = 0; i < flood; i++) transport.deliver(advert(keyPair(30 + i), { name: `node-${i}`, counter: 1 }), `fe80::${i + 1}%eth0`);
  assert.equal(transport.sends.length, 1 + NEW_NODE_ANSWERS.burst, 'the burst at once');
  const tokenMs = 1000 / NEW_NODE_ANSWERS.perSecond;
  clock.advance(tokenMs - 1);
  assert.equal(transport.sends.length, 1 + NEW_NODE_ANSWERS.burst);
  clock.advance(1);
  assert.equal(transport.sends.length, 2 + NEW_NODE_ANSWERS.burst, 'one answer for the rest, when a token comes');
  transport.deliver(advert(keyPair(50), { name: 'node-late', counter: 1 }), 'fe80::50%eth0');
  assert.equal(transport.sends.length, 2 + NEW_NODE_ANSWERS.burst, 'no token yet: deferred');
  clock.advance(tokenMs);
  assert.equal(transport.sends.length, 3 + NEW_NODE_ANSWERS.burst);
  clock.advance(1999);
  assert.equal(transport.sends.length, 3 + NEW_NODE_ANSWERS.burst, 'the regular schedule restarted from the answer');
  clock.advance(1);
  assert.equal(transport.sends.length, 4 + NEW_NODE_ANSWERS.burst);
  assert.equal(clock.pending(), 2, 'one send timer and the interface poll');
  await discovery.stop();
});
