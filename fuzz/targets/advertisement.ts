/**
 * Multicast advertisements through discovery's receive policy (source and
 * global budgets, decode, cluster, freshness, signature, replay), a fresh
 * policy per input so a finding replays alone. Invariants: the counters add
 * up; an accepted datagram decodes, verifies and carries our cluster; the
 * replay and source tables stay within their configured bounds.
 */
import fc from 'fast-check';
import { DEFAULT_DISCOVERY_CONFIG } from '../../src/discovery/config.js';
import { ReceivePolicy } from '../../src/discovery/receive-policy.js';
import { bytesEqual } from '../../src/codec/codec.js';
import { ADVERTISEMENT_MAX_BYTES, decodeAdvertisement, encodeAdvertisement, verifyAdvertisement } from '../../src/wire/advertisement.js';
import { cluster, FUZZ_NOW_MS } from '../fixtures/cluster.js';
import { joinMessages, splitMessages } from '../engine/messages.js';
import { type FuzzTarget, invariant, typed } from '../engine/target.js';

const SOURCES = ['fe80::1%eth0', 'fe80::2%eth0', 'fe80::1%eth1', '192.0.2.1', 'fe80::3%veth-with-a-long-name'];
/** Small tables so the fuzzer can reach the eviction paths. */
const CONFIG = { ...DEFAULT_DISCOVERY_CONFIG, maxSources: 3, maxKeys: 3 };

export function advertisementFor(memberIndex: number, counter: number, timestampMs = FUZZ_NOW_MS): Uint8Array {
  const c = cluster();
  const m = c.members[memberIndex]!;
  return encodeAdvertisement({
    publicKey: m.key.signing.publicKey, clusterId: c.clusterId, name: m.name, port: 7946,
    timestampMs, instance: new Uint8Array(8).fill(memberIndex + 1), counter,
  }, m.key.signing.secretKey);
}

export const advertisementTarget: FuzzTarget = {
  name: 'advertisement',
  description: 'discovery/receive-policy.ts: budgets, decode, cluster, freshness, signature and replay checks of multicast datagrams',
  maxInputBytes: 8 * (ADVERTISEMENT_MAX_BYTES + 2),
  run(input) {
    const c = cluster();
    const policy = new ReceivePolicy({ ownPublicKey: c.members[0]!.key.signing.publicKey, clusterId: c.clusterId, config: CONFIG, nowMs: FUZZ_NOW_MS });
    const seen = new Set<string>();
    const messages = splitMessages(input, 8);
    messages.forEach((data, i) => {
      const from = SOURCES[i % SOURCES.length]!;
      const r = policy.receive(data, from, FUZZ_NOW_MS + i * 100);
      if (r.accepted) {
        const adv = typed(() => { decodeAdvertisement(data); return 'ok'; });
        invariant(adv === 'ok', `accepted a datagram that does not decode (${adv})`);
        const d = decodeAdvertisement(data);
        invariant(verifyAdvertisement(d), 'accepted an advertisement whose signature does not verify');
        invariant(bytesEqual(d.clusterId, c.clusterId), 'accepted an advertisement of another cluster');
        invariant(r.sighting.address === from, 'sighting address is not the datagram source');
        seen.add('accepted');
      } else seen.add(r.reason);
    });
    const k = policy.counters();
    const drops = k.notLinkLocal + k.interfaceNotUsed + k.rateLimitedSource + k.rateLimitedGlobal + k.malformed + k.own + k.otherCluster + k.stale + k.badSignature + k.replay;
    invariant(k.received === messages.length && k.accepted + drops === k.received, `counters do not add up: ${JSON.stringify(k)}`);
    return [...seen].sort().join(',') || 'empty';
  },
  generator: fc.array(fc.record({ member: fc.integer({ min: 0, max: 3 }), counter: fc.nat(), skew: fc.integer({ min: -20_000, max: 20_000 }) }), { minLength: 1, maxLength: 6 })
    .map((advs) => joinMessages(advs.map((a) => advertisementFor(a.member, a.counter, FUZZ_NOW_MS + a.skew)))),
};
