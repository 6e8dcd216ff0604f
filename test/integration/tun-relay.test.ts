/**
 * Two TUNs in two namespaces, joined by a relay in this process that moves
 * each read batch into the other device: the smallest data plane. Shows
 * read + write + configuration end to end (ping between the namespaces), and
 * Packet Too Big doing its job: with a "path" smaller than the interface MTU
 * the relay answers oversized packets with PTB instead of passing them, and
 * a TCP transfer still completes byte for byte (the kernel lowers its path
 * MTU, visible in `ip -6 route get`).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressOfNode, clusterPrefix } from '../../src/dataplane/addressing.js';
import { TunNamespace } from '../../src/lab/tun-namespace.js';
import { buildPacketTooBig } from '../../src/dataplane/icmpv6.js';
import type { TunDevice } from '../../src/dataplane/tun-device.js';
import { openLinuxTun } from '../../src/dataplane/tun-linux.js';

const isRoot = process.getuid?.() === 0;
const skip = isRoot ? false : 'needs root (network namespaces, /dev/net/tun)';
const CLUSTER = new Uint8Array([0x5a, 0x11, 0x0b, 0x0e, 0x77]);
const NODE_A = addressOfNode(CLUSTER, new Uint8Array(16).fill(0xaa));
const NODE_B = addressOfNode(CLUSTER, new Uint8Array(16).fill(0xbb));
const MTU = 9000;
const PATH_MTU = 4000;
const TRANSFER_BYTES = 4 * 1024 * 1024;
const TCP_PORT = 5001;
const STEP_TIMEOUT_MS = 20_000;

interface Side {
  ns: TunNamespace;
  tun: TunDevice;
}

const live: TunNamespace[] = [];
const destroyAll = async () => { await Promise.all(live.splice(0).map((ns) => ns.destroy())); };
after(destroyAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void destroyAll().then(() => process.exit(130)));

async function side(tag: string, address: Uint8Array): Promise<Side> {
  const ns = await TunNamespace.create(tag);
  live.push(ns);
  const name = `sk${tag}${process.pid % 10_000}`;
  const tun = await openLinuxTun({ name, mtu: MTU, address, prefix: clusterPrefix(CLUSTER), runStep: ns.stepRunner(name) });
  return { ns, tun };
}

/** Relay both ways; packets above `pathMtu` bounce back as PTB. Returns the PTB count. */
function relay(a: Side, b: Side, pathMtu = Infinity): { ptbs: number } {
  const counts = { ptbs: 0 };
  const pass = (from: TunDevice, to: TunDevice) => from.onPackets((batch) => {
    const onward: Uint8Array[] = [];
    const back: Uint8Array[] = [];
    for (const p of batch) {
      if (p.byteLength <= pathMtu) onward.push(p);
      else {
        const ptb = buildPacketTooBig({ packet: p, mtu: pathMtu });
        if (ptb) back.push(ptb);
      }
    }
    to.write(onward);
    counts.ptbs += from.write(back);
  });
  pass(a.tun, b.tun);
  pass(b.tun, a.tun);
  return counts;
}

async function withPair(fn: (a: Side, b: Side) => Promise<void>): Promise<void> {
  const a = await side('ra', NODE_A.bytes);
  const b = await side('rb', NODE_B.bytes);
  try {
    await fn(a, b);
  } finally {
    await a.tun.close();
    await b.tun.close();
    await destroyAll();
  }
}

test('ping -6 from one namespace to the other across two TUNs and a userspace relay', { skip }, () =>
  withPair(async (a, b) => {
    relay(a, b);
    const r = await a.ns.exec(['ping', '-6', '-c', '3', '-i', '0.2', '-W', '2', NODE_B.text], STEP_TIMEOUT_MS);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /3 packets transmitted, 3 received/);
    assert.ok(a.tun.stats().packetsRead >= 3 && b.tun.stats().packetsRead >= 3);
  }));

test('Packet Too Big: TCP across a path smaller than the MTU completes, the kernel learns the path MTU', { skip }, () =>
  withPair(async (a, b) => {
    const counts = relay(a, b, PATH_MTU);
    const dir = await mkdtemp(join(tmpdir(), 'skein-ptb-'));
    try {
      const data = randomBytes(TRANSFER_BYTES);
      await writeFile(join(dir, 'in'), data);
      const receiver = b.ns.exec(['socat', '-u', `TCP6-LISTEN:${TCP_PORT},bind=[${NODE_B.text}]`, `CREATE:${join(dir, 'out')}`], STEP_TIMEOUT_MS);
      await new Promise((r) => setTimeout(r, 300)); // let socat listen
      const sender = await a.ns.exec(['socat', '-u', `FILE:${join(dir, 'in')}`, `TCP6:[${NODE_B.text}]:${TCP_PORT}`], STEP_TIMEOUT_MS);
      assert.equal(sender.code, 0, sender.stderr);
      const received = await receiver;
      assert.equal(received.code, 0, received.stderr);
      const hash = (d: Uint8Array) => createHash('sha256').update(d).digest('hex');
      assert.equal(hash(await readFile(join(dir, 'out'))), hash(data));
      assert.ok(counts.ptbs > 0, 'oversized segments were answered with PTB');
      const route = await a.ns.check(['ip', '-6', 'route', 'get', NODE_B.text]);
      assert.match(route, new RegExp(`mtu ${PATH_MTU}`));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }));
