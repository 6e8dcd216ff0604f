/**
 * The link manager's listener against strangers, over loopback TCP (source
 * addresses 127.0.0.x): probes that do not know our key cost no
 * Diffie-Hellman and get no byte back; a known neighbour's redial is
 * admitted while every strangers' slot is held by probes that do know it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { loadConfig } from '../../src/node/config.js';
import { loadNodeIdentity, loadTrust, makePeerAuthenticator, type NodeIdentity } from '../../src/node/identity.js';
import { TrustStore } from '../../src/identity/index.js';
import { LinkManager } from '../../src/node/link-manager.js';
import { acceptGateConfig } from '../../src/link/accept-gate.js';
import { createLinkHandshake, linkPrologue } from '../../src/link/handshake.js';
import { encodeFrame } from '../../src/link/framing.js';
import { computeMac1, mac1Key } from '../../src/link/mac1.js';
import type { NoiseCurve } from '../../src/crypto/noise-state.js';
import { RealClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/log.js';
import { secureRandom } from '../../src/util/random.js';
import { MAX_HANDSHAKE_FRAME_BYTES } from '../../src/wire/link-constants.js';
import { encodeInitiation } from '../../src/wire/link-initiation.js';
import { makeStaticNode, makeTestCa, withDaemonTestbed } from '../helpers/static-nodes.js';
import { waitFor } from '../helpers/wait.js';

const realCurve = createRequire(import.meta.url)('noise-handshake/dh.js') as NoiseCurve;

const trusts = new WeakMap<NodeIdentity, TrustStore>();
const trustOf = (identity: NodeIdentity): TrustStore => {
  const trust = trusts.get(identity);
  if (trust === undefined) throw new Error('identity not made by identityOf');
  return trust;
};

/** A node's identity from its config, with the trust store it starts with. */
function identityOf(configPath: string): NodeIdentity {
  const config = loadConfig(configPath);
  const trust = new TrustStore(loadTrust(config));
  const identity = loadNodeIdentity(config, trust.anchors, Date.now());
  trusts.set(identity, trust);
  return identity;
}

function manager(identity: NodeIdentity, over: Partial<ConstructorParameters<typeof LinkManager>[0]> = {}): LinkManager {
  const clock = new RealClock();
  return new LinkManager({
    identity, trust: trustOf(identity), authenticatePeer: makePeerAuthenticator(trustOf(identity), () => clock.now()),
    listenAddress: '0.0.0.0', listenPort: 0, listenOnInterfaces: false, linkConfig: {}, maxPendingHandshakes: 4, dialGraceMs: 0,
    clock, random: secureRandom, log: silentLogger(), ...over,
  });
}

/** A raw TCP client from `localAddress` that writes `bytes`; counts what comes back. */
function probe(port: number, localAddress: string, bytes: Uint8Array): Promise<{ sock: Socket; received: () => number }> {
  return new Promise((resolve, reject) => {
    let received = 0;
    const sock = connect({ host: '127.0.0.1', port, localAddress }, () => {
      sock.write(bytes);
      resolve({ sock, received: () => received });
    });
    sock.on('data', (c) => { received += c.byteLength; });
    sock.on('error', () => {});
    sock.once('error', reject);
  });
}

/** A first frame as a dialer would send it: keyed by `responderStatic` (our key, or a wrong one), or unkeyed. */
function initiation(identity: NodeIdentity, responderStatic: Uint8Array | undefined): Uint8Array {
  const hs = createLinkHandshake({ role: 'initiator', staticKeyPair: identity.key.dh, clusterId: identity.clusterId, certificatePayload: identity.chain, authenticatePeer: () => { throw new Error('unused'); } });
  const msg1 = hs.start()!;
  const mac = responderStatic === undefined ? null : computeMac1(mac1Key(responderStatic), linkPrologue(identity.clusterId), msg1);
  return encodeFrame(encodeInitiation(msg1, mac), MAX_HANDSHAKE_FRAME_BYTES);
}

test('links: probes that do not know our key get no byte back and cost no Diffie-Hellman', async () => {
  await withDaemonTestbed('skein-strangers-', async (bed) => {
    const ca = makeTestCa(join(bed.root, 'ca'), 'strangers');
    const us = identityOf(makeStaticNode(bed.root, ca, 'listener'));
    const them = identityOf(makeStaticNode(bed.root, ca, 'prober'));
    let dh = 0;
    const curve: NoiseCurve = { ...realCurve, dh: (pk, kp) => { dh++; return realCurve.dh(pk, kp); } };
    const m = manager(us, { curve, acceptLimits: acceptGateConfig(64, 64, 1000, 0) });
    await m.start();
    try {
      const wrongKey = initiation(them, them.key.dh.publicKey);
      const unkeyed = initiation(them, undefined);
      const probes = [];
      for (let i = 0; i < 40; i++) probes.push(await probe(m.port, `127.0.0.${2 + (i % 20)}`, i % 2 === 0 ? wrongKey : unkeyed));
      await waitFor(() => m.counters.inboundRefusedInitiation === 40, { timeoutMs: 5_000, what: 'all 40 probes refused' });
      const back = probes.reduce((n, p) => n + p.received(), 0);
      console.log(`# 40 probes without our key: ${m.counters.inboundRefusedInitiation} refused, ${dh} DH computed, ${back} bytes sent back`);
      assert.equal(dh, 0);
      assert.equal(back, 0);
      for (const p of probes) p.sock.destroy();
      // A probe that knows our key is answered (message 2) and costs DH.
      const keyed = await probe(m.port, '127.0.0.30', initiation(them, us.key.dh.publicKey));
      await waitFor(() => keyed.received() > 0, { timeoutMs: 5_000, what: 'message 2 for a keyed initiation' });
      assert.ok(dh >= 2, `dh ${dh}`);
      keyed.sock.destroy();
    } finally {
      await m.stop();
    }
  });
});

test('links: a known neighbour\'s redial is admitted while every strangers\' slot is held by keyed probes; a new stranger is refused', async () => {
  await withDaemonTestbed('skein-known-', async (bed) => {
    const ca = makeTestCa(join(bed.root, 'ca'), 'known');
    const us = identityOf(makeStaticNode(bed.root, ca, 'listener'));
    const friendId = identityOf(makeStaticNode(bed.root, ca, 'friend'));
    const stranger = identityOf(makeStaticNode(bed.root, ca, 'stranger'));
    const m = manager(us, { acceptLimits: acceptGateConfig(2, 2, 1000, 2) });
    const friend = manager(friendId, { listenAddress: '127.0.0.1' });
    await m.start();
    await friend.start();
    try {
      const first = await friend.dial(undefined, { host: '127.0.0.1', port: m.port, via: 'static' });
      assert.ok(first, 'the friend links once');
      first.channel.close('redial later', 1);
      await waitFor(() => m.allLinks().length === 0, { timeoutMs: 5_000, what: 'the first link closed' });
      // Two keyed probes from other addresses hold both strangers' slots (young, so not evictable).
      const holders = [await probe(m.port, '127.0.0.2', initiation(stranger, us.key.dh.publicKey)), await probe(m.port, '127.0.0.3', initiation(stranger, us.key.dh.publicKey))];
      await waitFor(() => holders.every((h) => h.received() > 0), { timeoutMs: 5_000, what: 'both probes answered' });
      const refusedBefore = m.counters.inboundRefusedBusy;
      const newcomer = await probe(m.port, '127.0.0.4', initiation(stranger, us.key.dh.publicKey));
      await waitFor(() => m.counters.inboundRefusedBusy === refusedBefore + 1, { timeoutMs: 5_000, what: 'the new stranger refused' });
      const again = await friend.dial(undefined, { host: '127.0.0.1', port: m.port, via: 'static' });
      console.log(`# strangers' slots full: new stranger refused (busy ${m.counters.inboundRefusedBusy}), known neighbour linked: ${again !== undefined}`);
      assert.ok(again, 'the known neighbour links although every strangers\' slot is taken');
      for (const h of [...holders, newcomer]) h.sock.destroy();
    } finally {
      await friend.stop();
      await m.stop();
    }
  });
});
