/**
 * One compliance suite for every TunDevice: run by test/unit/tun-memory.test.ts
 * against MemoryTun and by test/integration/tun-linux.test.ts against a real
 * TUN in a namespace. The harness makes "the kernel" send ICMPv6 echo
 * requests through the device and says how many replies it accepted.
 */
import assert from 'node:assert/strict';
import { echoReplyInPlace } from '../../src/dataplane/icmpv6.js';
import { TUN_READ_BATCH, type TunDevice } from '../../src/dataplane/tun-device.js';

export interface TunHarness {
  device: TunDevice;
  expectedName: string;
  expectedMtu: number;
  /** The kernel sends at least `count` echo requests (bursts) through the device; what it sent and got back. */
  exchange(count: number): Promise<Exchange>;
  dispose(): Promise<void>;
}

export interface Exchange {
  sent: number;
  answered: number;
  /** Replies to a request already answered. */
  duplicates: number;
}

export type TunCase = [name: string, run: (h: TunHarness) => Promise<void>];

/**
 * Most echoes must come back. Not all: on a loaded machine the kernel may
 * drop a few between ping and the device (per-CPU backlog, socket buffers),
 * which says nothing about the device; the device's own drops are asserted
 * separately (writeDropped).
 */
function assertMostAnswered(r: Exchange, count: number): void {
  // Requests still in flight when the sender stops count as sent, so compare with the count asked for.
  assert.ok(r.answered >= Math.floor(count * 0.9), `${r.answered} echoes answered of ${count} asked for (${r.sent} sent)`);
  assert.ok(r.answered <= r.sent, `${r.answered} replies to ${r.sent} requests`);
  assert.equal(r.duplicates, 0, 'a reply written twice');
}

/** A receiver that answers echo requests in place and writes each batch straight back. */
function echoResponder(device: TunDevice, seen: Uint8Array[][]): void {
  device.onPackets((batch) => {
    seen.push(batch);
    for (const p of batch) echoReplyInPlace(p);
    device.write(batch);
  });
}

export const tunComplianceCases: TunCase[] = [
  ['reports its name and MTU', async (h) => {
    assert.equal(h.device.name, h.expectedName);
    assert.equal(h.device.mtu, h.expectedMtu);
  }],
  ['reads whole IPv6 packets in batches of at most TUN_READ_BATCH and counts them', async (h) => {
    const seen: Uint8Array[][] = [];
    echoResponder(h.device, seen);
    const count = 200;
    assertMostAnswered(await h.exchange(count), count);
    const packets = seen.flat();
    assert.ok(packets.length >= count * 0.9);
    assert.ok(seen.every((b) => b.length >= 1 && b.length <= TUN_READ_BATCH));
    const stats = h.device.stats();
    assert.equal(stats.packetsRead, packets.length);
    assert.equal(stats.readBatches, seen.length);
    assert.equal(stats.packetsWritten, packets.length, 'every read echo request was written back');
    assert.equal(stats.writeDropped, 0);
  }],
  ['batches belong to the receiver: a kept packet is not overwritten by later reads', async (h) => {
    let kept: Uint8Array | undefined;
    let snapshot: Uint8Array | undefined;
    h.device.onPackets((batch) => {
      for (const p of batch) echoReplyInPlace(p);
      h.device.write(batch);
      if (!kept) {
        kept = batch[0]!;
        snapshot = kept.slice();
      }
    });
    assertMostAnswered(await h.exchange(100), 100);
    assert.ok(h.device.stats().readBatches > 1, 'needs more than one batch to mean anything');
    assert.deepEqual(kept, snapshot);
  }],
  ['a malformed or empty packet is refused without throwing and counted; good ones in the batch still go', async (h) => {
    const seen: Uint8Array[][] = [];
    h.device.onPackets((batch) => {
      seen.push(batch);
      for (const p of batch) echoReplyInPlace(p);
      h.device.write([new Uint8Array(0), ...batch, new Uint8Array([0x00, 1, 2, 3])]);
    });
    assertMostAnswered(await h.exchange(10), 10);
    assert.equal(h.device.stats().writeDropped, 2 * seen.length);
  }],
  ['close is idempotent, stops reads and makes write a no-op', async (h) => {
    let reads = 0;
    h.device.onPackets(() => reads++);
    await h.device.close();
    await h.device.close();
    assert.equal(h.device.write([new Uint8Array(48)]), 0);
    assert.equal(reads, 0);
  }],
];
