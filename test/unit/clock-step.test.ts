/**
 * A backwards wall-clock step of 60 s (an operator or NTP correcting the
 * clock), in virtual time: every limit keeps refilling and every timer keeps
 * firing, because budgets and timers run on monotonic time (routing,
 * sessions, forwarding), as the daemon wires them. Wall time still drives
 * what members agree on (issue times).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { DataPlane } from '../../src/node/data-plane.js';
import type { Link, LinkManager } from '../../src/node/link-manager.js';
import type { RoutingHost } from '../../src/node/routing-host.js';
import { Router } from '../../src/routing/router.js';
import { DEFAULT_ROUTING_OPTIONS } from '../../src/routing/options.js';
import { DEFAULT_UNREACHABLE_RATE } from '../../src/dataplane/forwarding.js';
import { ManualClock } from '../../src/util/clock.js';
import { createLogger } from '../../src/util/log.js';
import { SeededRandom } from '../../src/util/random.js';
import { MESH_PACKET_CHANNEL, PACKET_TYPE_OFFSET, PacketType, DATA_MIN_BODY_BYTES } from '../../src/wire/packet-constants.js';
import { encodePacket } from '../../src/wire/packet.js';
import { TEST_CA, dataHostIdentity, makeTestNode, testAuthenticator } from './link-fixtures.js';
import { pkiFor, recordOf, recordsSentTo, update } from './routing-fixtures.js';

const STEP_MS = -60_000;

test('routing: after a 60 s backwards step, records keep being accepted and flooded at once, and ours keep their order', () => {
  const clock = new ManualClock();
  const pki = pkiFor(91);
  const [self, a, b] = ['step-self', 'step-a', 'step-b'].map((n) => pki.issue(n));
  const r = new Router({ self: self!, chains: pki.chains, revocations: pki.revocationStore(), nowMs: clock.monotonic(), wallClock: () => clock.now() });
  r.linkUp(a!.idText, clock.monotonic(), { cost: 1_000 });
  r.linkUp(b!.idText, clock.monotonic(), { cost: 1_000 });
  clock.advance(1_000);
  r.tick(clock.monotonic());
  const seqBefore = r.lastSequence;
  clock.stepWallClock(STEP_MS);
  let flooded = 0;
  let sequence = 1;
  for (let i = 0; i < 20; i++) {
    clock.advance(DEFAULT_ROUTING_OPTIONS.minRecordArrivalMs);
    // a's clock was stepped too: its records are issued by the stepped wall time.
    const rec = recordOf(a!, { sequence: sequence++, issuedAtMs: clock.now(), neighbours: [{ id: self!.idText, cost: 1_000 }] });
    const out = r.receive(a!.idText, update(rec), clock.monotonic());
    flooded += recordsSentTo(out, b!.idText).filter((x) => x.origin === a!.idText).length;
  }
  assert.equal(r.recordSequences().get(a!.idText), 20, 'every record, one per minRecordArrivalMs, accepted');
  assert.equal(flooded, 20, 'and each flooded to b in the call that brought it (pacing not pushed 60 s out)');
  const out = r.linkDown(b!.idText, clock.monotonic());
  clock.advance(DEFAULT_ROUTING_OPTIONS.minOriginationIntervalMs);
  out.push(...r.tick(clock.monotonic()));
  assert.ok(r.lastSequence > seqBefore, 'our next record still has a higher sequence');
  assert.ok(recordsSentTo(out, a!.idText).some((x) => x.origin === self!.idText), 'and goes out within the origination gap, not when the wall clock catches up');
  const age = r.nodes(clock.monotonic()).find((n) => n.self)!.ageMs;
  assert.ok(age >= 0 && age <= DEFAULT_ROUTING_OPTIONS.minOriginationIntervalMs, `its age is counted in the wall time it was issued by (${age} ms)`);
});

const ALICE = makeTestNode('alice', 41, TEST_CA);
const BOB = makeTestNode('bob', 42, TEST_CA);

/** ALICE's data plane with BOB behind its only link; counts what goes out by packet type. */
function aliceHost(clock: ManualClock): { host: DataPlane; links: EventEmitter; link: Link; sent: Map<number, number> } {
  const sent = new Map<number, number>();
  const link = {
    peer: { name: 'bob', idText: BOB.identity.idText },
    channel: {
      send: (_c: number, bytes: Uint8Array) => { sent.set(bytes[PACKET_TYPE_OFFSET]!, (sent.get(bytes[PACKET_TYPE_OFFSET]!) ?? 0) + 1); return true; },
      sendOwned: (_c: number, bytes: Uint8Array) => { sent.set(bytes[PACKET_TYPE_OFFSET]!, (sent.get(bytes[PACKET_TYPE_OFFSET]!) ?? 0) + 1); return true; },
    },
  } as unknown as Link;
  const routing = {
    nextHopLink: (dest: string) => (dest === BOB.identity.idText ? link : undefined),
    member: (id: string) => (id === BOB.identity.idText ? BOB.identity : undefined),
    knownKey: () => undefined,
    directory: { others: () => [] },
    on: () => undefined,
  } as unknown as RoutingHost;
  const identity = dataHostIdentity(ALICE);
  const links = Object.assign(new EventEmitter(), {
    handle(channel: number, handler: (l: Link, data: Uint8Array) => void) { links.on(`channel ${channel}`, handler); },
  });
  const host = new DataPlane({
    identity, links: links as unknown as LinkManager, routing, authenticatePeer: testAuthenticator(TEST_CA.publicKey) as never,
    firewall: { admitInbound: () => true, admitOutbound: () => true }, clock, random: new SeededRandom(9), log: createLogger({ level: 'silent' }),
  });
  host.start();
  return { host, links, link, sent };
}

test('sessions: handshake retries keep firing through a 60 s backwards step', () => {
  const clock = new ManualClock();
  const { host, sent } = aliceHost(clock);
  try {
    host.send(BOB.identity.idText, { kind: 'datagram', port: 9, data: new Uint8Array([1]) } as never);
    clock.advance(3_000);
    const before = sent.get(PacketType.HANDSHAKE_INIT) ?? 0;
    clock.stepWallClock(STEP_MS);
    clock.advance(5_000);
    const after = sent.get(PacketType.HANDSHAKE_INIT) ?? 0;
    assert.ok(after - before >= 4, `retries in the 5 s after the step: ${after - before} (1 s apart)`);
  } finally {
    host.stop();
  }
});

test('forwarding: the unreachable budget keeps refilling through a 60 s backwards step', () => {
  const clock = new ManualClock();
  const { host, links, link, sent } = aliceHost(clock);
  const nowhere = new Uint8Array(16).fill(0xee);
  const flood = (n: number) => {
    for (let i = 0; i < n; i++) {
      const p = encodePacket({ type: PacketType.DATA, hopLimit: 8, source: BOB.identity.id, destination: nowhere }, new Uint8Array(DATA_MIN_BODY_BYTES));
      links.emit(`channel ${MESH_PACKET_CHANNEL}`, link, p);
    }
  };
  try {
    const { perSource } = DEFAULT_UNREACHABLE_RATE;
    flood(50);
    assert.equal(sent.get(PacketType.UNREACHABLE), perSource.burst);
    clock.stepWallClock(STEP_MS);
    clock.advance(1_000);
    flood(50);
    assert.equal(sent.get(PacketType.UNREACHABLE), perSource.burst + perSource.perSecond, 'one second after the step: one second of refill');
  } finally {
    host.stop();
  }
});
