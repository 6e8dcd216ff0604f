import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEchoRequest, isEchoRequest } from '../../src/dataplane/icmpv6.js';
import { ipv6FromText } from '../../src/util/ipv6-text.js';
import { MemoryTun } from '../../src/dataplane/tun-memory.js';
import { TUN_READ_BATCH } from '../../src/dataplane/tun-device.js';
import { tunComplianceCases, type TunHarness } from './tun-compliance.js';

const OWN = ipv6FromText('fd00:1::1');
const PEER = ipv6FromText('fd00:1::2');

function echoRequests(count: number, size = 56): Uint8Array[] {
  return Array.from({ length: count }, (_, i) =>
    buildEchoRequest({ source: OWN, destination: PEER, identifier: 7, sequence: i, data: new Uint8Array(size).fill(i & 0xff) }));
}

/** The kernel side of a MemoryTun: inject requests, wait for the device to go idle, count valid replies. */
function memoryHarness(): TunHarness {
  const device = new MemoryTun({ name: 'mem7', mtu: 9000 });
  return {
    device,
    expectedName: 'mem7',
    expectedMtu: 9000,
    async exchange(count) {
      device.inject(echoRequests(count));
      for (let i = 0; i < count; i++) await new Promise((r) => setImmediate(r));
      return { sent: count, answered: device.takeWritten().filter((p) => p[40] === 129).length, duplicates: 0 };
    },
    dispose: () => device.close(),
  };
}

for (const [name, run] of tunComplianceCases) {
  test(`TunDevice compliance (MemoryTun): ${name}`, async () => {
    const h = memoryHarness();
    try {
      await run(h);
    } finally {
      await h.dispose();
    }
  });
}

test('MemoryTun delivers asynchronously, never inside inject, and queues until a receiver is set', async () => {
  const tun = new MemoryTun();
  const got: number[] = [];
  tun.inject(echoRequests(3));
  await new Promise((r) => setImmediate(r));
  tun.onPackets((b) => got.push(b.length));
  assert.deepEqual(got, []);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(got, [3]);
});

test('MemoryTun splits a large injection into batches of TUN_READ_BATCH and drops beyond its queue', async () => {
  const tun = new MemoryTun({ queuePackets: 150 });
  const sizes: number[] = [];
  tun.onPackets((b) => sizes.push(b.length));
  tun.inject(echoRequests(200));
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  assert.deepEqual(sizes, [TUN_READ_BATCH, TUN_READ_BATCH, 150 - 2 * TUN_READ_BATCH]);
  assert.equal(tun.queueDropped, 50);
});

test('MemoryTun: injected bytes are copied, writes refused while the link is down (EIO) are counted', async () => {
  const tun = new MemoryTun();
  const [req] = echoRequests(1);
  let read: Uint8Array | undefined;
  tun.onPackets((b) => { read = b[0]; });
  tun.inject([req!]);
  req!.fill(0);
  await new Promise((r) => setImmediate(r));
  assert.ok(read && isEchoRequest(read));
  tun.setLinkUp(false);
  assert.equal(tun.write([read]), 0);
  tun.setLinkUp(true);
  assert.equal(tun.write([read]), 1);
  assert.equal(tun.stats().writeDropped, 1);
  assert.equal(tun.takeWritten().length, 1);
});
