import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReceivePolicy, linkLocalInterface, type ReceiveResult } from '../../src/discovery/receive-policy.js';
import { resolveDiscoveryConfig } from '../../src/discovery/config.js';
import { nodeIdFromPublicKey, nodeIdToText } from '../../src/identity/node-id.js';
import { ManualClock } from '../../src/util/clock.js';
import { advert, CLUSTER, keyPair, OTHER_CLUSTER, T0 } from './discovery-fixtures.js';

const me = keyPair(10);
const b = keyPair(11);
const FROM = 'fe80::b%veth0';

function setup(over: Parameters<typeof resolveDiscoveryConfig>[0] = {}, used: (ifname: string) => boolean = () => true) {
  const clock = new ManualClock(T0);
  const config = resolveDiscoveryConfig(over);
  const policy = new ReceivePolicy({ ownPublicKey: me.publicKey, clusterId: CLUSTER, config, isInterfaceUsed: used, nowMs: clock.now() });
  return { clock, policy };
}

function reason(r: ReceiveResult): string {
  return r.accepted ? 'accepted' : r.reason;
}

test('a valid advertisement becomes a sighting with the derived id and the scoped source address', () => {
  const { clock, policy } = setup();
  const r = policy.receive(advert(b, { name: 'node-b', port: 7001 }), FROM, clock.now());
  assert.ok(r.accepted);
  assert.deepEqual({ ...r.sighting, publicKey: [...r.sighting.publicKey] }, {
    idText: nodeIdToText(nodeIdFromPublicKey(b.publicKey)),
    name: 'node-b',
    publicKey: [...b.publicKey],
    port: 7001,
    ifname: 'veth0',
    address: FROM,
  });
  assert.equal(policy.counters().accepted, 1);
});

test('our own advertisement, another cluster and a bad signature are dropped and counted', () => {
  const { clock, policy } = setup();
  assert.equal(reason(policy.receive(advert(me), FROM, clock.now())), 'own');
  assert.equal(reason(policy.receive(advert(b, { clusterId: OTHER_CLUSTER }), FROM, clock.now())), 'otherCluster');
  const forged = advert(b);
  forged[forged.byteLength - 1]! ^= 1;
  assert.equal(reason(policy.receive(forged, FROM, clock.now())), 'badSignature');
  // C signs with its own key but claims B's name: valid as a hint, and it names C's key, not B's.
  const c = keyPair(12);
  const r = policy.receive(advert(c, { name: 'node-b' }), 'fe80::c%veth0', clock.now());
  assert.ok(r.accepted);
  assert.equal(r.sighting.idText, nodeIdToText(nodeIdFromPublicKey(c.publicKey)));
  const n = policy.counters();
  assert.deepEqual([n.own, n.otherCluster, n.badSignature, n.accepted, n.received], [1, 1, 1, 1, 4]);
});

test('garbage and non-link-local or unused-interface sources are dropped and counted', () => {
  const { clock, policy } = setup({}, (ifname) => ifname === 'veth0');
  assert.equal(reason(policy.receive(new Uint8Array([1, 2, 3]), FROM, clock.now())), 'malformed');
  assert.equal(reason(policy.receive(advert(b), '2001:db8::1', clock.now())), 'notLinkLocal');
  assert.equal(reason(policy.receive(advert(b), 'fe80::b', clock.now())), 'notLinkLocal');
  assert.equal(reason(policy.receive(advert(b), 'fe80::b%eth9', clock.now())), 'interfaceNotUsed');
  assert.equal(linkLocalInterface('fe80::1:2%br-lab0'), 'br-lab0');
});

test('stale: a timestamp outside the freshness window either way is dropped', () => {
  const { clock, policy } = setup({ freshnessWindowMs: 10_000 });
  assert.equal(reason(policy.receive(advert(b, { timestampMs: T0 - 10_001, counter: 1 }), FROM, clock.now())), 'stale');
  assert.equal(reason(policy.receive(advert(b, { timestampMs: T0 + 10_001, counter: 2 }), FROM, clock.now())), 'stale');
  assert.equal(reason(policy.receive(advert(b, { timestampMs: T0 - 10_000, counter: 3 }), FROM, clock.now())), 'accepted');
  clock.advance(20_000);
  assert.equal(reason(policy.receive(advert(b, { timestampMs: T0, counter: 4 }), FROM, clock.now())), 'stale');
});

test('replay: a counter not newer than the last accepted for that key, interface and instance is dropped', () => {
  const { clock, policy } = setup();
  const first = advert(b, { counter: 5 });
  assert.equal(reason(policy.receive(first, FROM, clock.now())), 'accepted');
  assert.equal(reason(policy.receive(first, FROM, clock.now())), 'replay');
  assert.equal(reason(policy.receive(advert(b, { counter: 4 }), FROM, clock.now())), 'replay');
  assert.equal(reason(policy.receive(advert(b, { counter: 6 }), FROM, clock.now())), 'accepted');
  // The same datagram heard on a second interface of ours (shared segment) is a sighting there too.
  assert.equal(reason(policy.receive(advert(b, { counter: 6 }), 'fe80::b%veth1', clock.now())), 'accepted');
  // A new boot (instance) starts its own counter.
  const reboot = new Uint8Array(8).fill(9);
  assert.equal(reason(policy.receive(advert(b, { counter: 1, instance: reboot }), FROM, clock.now())), 'accepted');
  assert.equal(reason(policy.receive(advert(b, { counter: 1, instance: reboot }), FROM, clock.now())), 'replay');
  assert.equal(policy.counters().replay, 3);
});

test('per-source token bucket: burst, then the refill rate, on a manual clock', () => {
  const { clock, policy } = setup({ sourceRate: { perSecond: 2, burst: 3 } });
  let counter = 0;
  const send = (from = FROM) => reason(policy.receive(advert(b, { counter: ++counter }), from, clock.now()));
  assert.deepEqual([send(), send(), send(), send()], ['accepted', 'accepted', 'accepted', 'rateLimitedSource']);
  assert.equal(send('fe80::ee%veth0'), 'accepted'); // another source has its own bucket
  clock.advance(499);
  assert.equal(send(), 'rateLimitedSource');
  clock.advance(1);
  assert.deepEqual([send(), send()], ['accepted', 'rateLimitedSource']);
  assert.equal(policy.counters().rateLimitedSource, 3);
});

test('global bucket caps signature checks across forged source addresses', () => {
  const { clock, policy } = setup({ globalRate: { perSecond: 1, burst: 5 } });
  const results = Array.from({ length: 20 }, (_, i) => reason(policy.receive(advert(b, { counter: i + 1 }), `fe80::${i + 1}%veth0`, clock.now())));
  assert.equal(results.filter((r) => r === 'accepted').length, 5);
  assert.equal(policy.counters().rateLimitedGlobal, 15);
});

test('a flood of forged keys and sources cannot grow the tables past their bounds', () => {
  const { clock, policy } = setup({ maxSources: 8, maxKeys: 4, globalRate: { perSecond: 1e6, burst: 1e6 } });
  const floodKeys = Array.from({ length: 20 }, (_, i) => keyPair(100 + i));
  for (const [i, k] of floodKeys.entries()) {
    assert.equal(reason(policy.receive(advert(k, { counter: 1 }), `fe80::${i + 1}%veth0`, clock.now())), 'accepted');
  }
  const n = policy.counters();
  assert.equal(n.sourcesEvicted, 20 - 8);
  assert.equal(n.keysEvicted, 20 - 4);
  // The most recent keys are still remembered (replay refused); the evicted oldest are forgotten.
  assert.equal(reason(policy.receive(advert(floodKeys[19]!, { counter: 1 }), 'fe80::20%veth0', clock.now())), 'replay');
  assert.equal(reason(policy.receive(advert(floodKeys[0]!, { counter: 1 }), 'fe80::1%veth0', clock.now())), 'accepted');
});

test('junk that fails a cheap check (garbage, other cluster, stale, replay) spends no signature budget', () => {
  const { clock, policy } = setup({ globalRate: { perSecond: 1, burst: 1 }, sourceRate: { perSecond: 1e6, burst: 1e6 } });
  const stale = advert(b, { timestampMs: T0 - 3_600_000 });
  const other = advert(b, { clusterId: OTHER_CLUSTER });
  for (let i = 0; i < 3_000; i++) {
    const from = `fe80::${(i % 500).toString(16)}%veth0`;
    policy.receive(new Uint8Array([1, 2, 3, i & 0xff]), from, clock.now());
    policy.receive(stale, from, clock.now());
    policy.receive(other, from, clock.now());
  }
  const n = policy.counters();
  assert.deepEqual([n.malformed, n.stale, n.otherCluster, n.badSignature, n.rateLimitedGlobal], [3_000, 3_000, 3_000, 0, 0]);
  // The one token is still there for a genuine newcomer.
  assert.equal(reason(policy.receive(advert(keyPair(50)), 'fe80::c%veth0', clock.now())), 'accepted');
});

/** 2,000 well-formed advertisements a second with bad signatures from `sources` rotating source addresses, for `seconds`. */
function floodWithGenuine(sources: number, seconds: number) {
  const { clock, policy } = setup();
  const junk = advert(keyPair(60), { name: 'junk' });
  junk[junk.byteLength - 1]! ^= 1;
  const known = keyPair(61);
  const newcomer = keyPair(62);
  let knownCounter = 1;
  assert.equal(reason(policy.receive(advert(known, { counter: knownCounter++ }), 'fe80::1:b%veth0', clock.now())), 'accepted');
  const got = { known: 0, knownSent: 0, newcomer: 0, newcomerSent: 0 };
  for (let ms = 1; ms <= seconds * 1000; ms++) {
    clock.advance(1);
    for (let j = 0; j < 2; j++) policy.receive(junk, `fe80::${(((ms * 2 + j) % sources) + 1).toString(16)}%veth0`, clock.now());
    if (ms % 2000 === 0) { // each genuine node advertises every 2 s
      got.knownSent++;
      if (policy.receive(advert(known, { counter: knownCounter++, timestampMs: clock.now() }), 'fe80::1:b%veth0', clock.now()).accepted) got.known++;
      got.newcomerSent++;
      if (policy.receive(advert(newcomer, { counter: ms, timestampMs: clock.now() }), 'fe80::1:c%veth0', clock.now()).accepted) got.newcomer++;
    }
  }
  return { got, counters: policy.counters() };
}

test('starvation: junk from 200 rotating sources at 2,000/s spends strangers\' budget only; a known node and a newcomer are both served', () => {
  const { got, counters } = floodWithGenuine(200, 20);
  console.log(`# 200 sources, 2,000 junk/s for 20 s: known ${got.known}/${got.knownSent}, newcomer ${got.newcomer}/${got.newcomerSent}, signature checks of junk ${counters.badSignature}`);
  assert.equal(got.known, got.knownSent);
  assert.equal(got.newcomer, got.newcomerSent);
  // Each junk source is held to its stranger share: about 1 check a second, not the 10/s its datagram rate allows.
  assert.ok(counters.badSignature <= 200 * 20 * 1 + 200 * 3, String(counters.badSignature));
});

test('starvation: with more junk sources than the shared budget covers, known nodes are still always served', () => {
  const { got, counters } = floodWithGenuine(1_000, 10);
  console.log(`# 1,000 sources, 2,000 junk/s for 10 s: known ${got.known}/${got.knownSent}, newcomer ${got.newcomer}/${got.newcomerSent}, shared budget refusals ${counters.rateLimitedGlobal}`);
  assert.equal(got.known, got.knownSent);
  assert.ok(counters.rateLimitedGlobal > 0, 'the shared budget did bind');
});
