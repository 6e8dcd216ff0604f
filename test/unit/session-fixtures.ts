/**
 * A tiny in-memory mesh for session tests: SessionManagers that hand each
 * other packets directly (as if every relay forwarded faithfully), on an
 * explicit clock, with a hook that can drop, copy or tamper with any packet
 * in flight. Identities are the link tests' stand-in certificates, checked
 * for real (CA signature, key = handshake static key), plus a revocation set
 * and a validity end.
 */
import assert from 'node:assert/strict';
import { SessionManager } from '../../src/session/manager.js';
import type { Delivery, SessionEvent, SessionLimits, SessionPeer, SessionResult } from '../../src/session/index.js';
import { ErrorCodes, SkeinError } from '../../src/util/errors.js';
import { SeededRandom } from '../../src/util/random.js';
import { TEST_CA, TEST_CLUSTER, type TestNode, makeTestNode, testAuthenticator } from './link-fixtures.js';

export const T0 = 1_700_000_000_000;

export interface Directory {
  /** idText -> identity the routing database would return. */
  members: Map<string, SessionPeer>;
  revoked: Set<string>;
}

export function directoryOf(nodes: TestNode[], notAfterMs?: number): Directory {
  const members = new Map<string, SessionPeer>();
  for (const n of nodes) members.set(n.identity.idText, { ...n.identity, ...(notAfterMs !== undefined ? { notAfterMs } : {}) });
  return { members, revoked: new Set() };
}

let seed = 1000;

export function makeManager(node: TestNode, dir: Directory, nowMs: number, limits: Partial<SessionLimits> = {}): SessionManager {
  const authenticate = testAuthenticator(TEST_CA.publicKey);
  return new SessionManager({
    localId: node.identity.id,
    staticKeyPair: node.staticKeyPair,
    certificateChain: node.cert,
    clusterId: TEST_CLUSTER,
    authenticatePeer: (chain, remoteStatic) => {
      const peer = authenticate(chain, remoteStatic);
      if (dir.revoked.has(peer.idText)) throw new SkeinError(ErrorCodes.CERT_REVOKED, `certificate of '${peer.name}' is revoked`);
      return dir.members.get(peer.idText) ?? peer;
    },
    lookupPeer: (idText) => (dir.revoked.has(idText) ? undefined : dir.members.get(idText)),
    random: new SeededRandom(seed++),
    nowMs,
    limits,
  });
}

export interface InFlight {
  from: string;
  to: string;
  bytes: Uint8Array;
}

/** What the hook does with a packet in flight: pass it (possibly altered), or drop it (null). */
export type Intercept = (p: InFlight) => Uint8Array | null;

export interface Station {
  node: TestNode;
  mgr: SessionManager;
  delivered: Delivery[];
  events: SessionEvent[];
  drops: string[];
}

export class TestMesh {
  now = T0;
  readonly stations = new Map<string, Station>();
  readonly queue: InFlight[] = [];
  /** Every packet that went on the wire, as sent (copies). */
  readonly wire: InFlight[] = [];
  intercept: Intercept = (p) => p.bytes;

  constructor(readonly dir: Directory, private readonly limits: Partial<SessionLimits> = {}) {}

  add(node: TestNode): Station {
    const station: Station = { node, mgr: makeManager(node, this.dir, this.now, this.limits), delivered: [], events: [], drops: [] };
    this.stations.set(node.identity.idText, station);
    return station;
  }

  /** A new process with the same keys (a restart): all session state lost. */
  restart(node: TestNode): Station {
    return this.add(node);
  }

  station(node: TestNode): Station {
    const s = this.stations.get(node.identity.idText);
    assert.ok(s, `no station for ${node.name}`);
    return s;
  }

  /** Record a manager's result and queue what it sends. */
  take(from: Station, r: SessionResult): SessionResult {
    if (r.deliver) from.delivered.push({ ...r.deliver, plaintext: new Uint8Array(r.deliver.plaintext) });
    from.events.push(...r.events);
    if (r.drop) from.drops.push(r.drop.reason);
    for (const p of r.send) {
      const inFlight = { from: from.node.identity.idText, to: p.to, bytes: p.bytes };
      this.wire.push({ ...inFlight, bytes: new Uint8Array(p.bytes) });
      this.queue.push(inFlight);
    }
    return r;
  }

  send(from: TestNode, to: TestNode, text: string | Uint8Array, hopLimit?: number): SessionResult {
    const s = this.station(from);
    const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
    return this.take(s, s.mgr.send(to.identity.idText, bytes, this.now, hopLimit === undefined ? {} : { hopLimit }));
  }

  tick(node: TestNode): SessionResult {
    const s = this.station(node);
    return this.take(s, s.mgr.tick(this.now));
  }

  tickAll(): void {
    for (const s of this.stations.values()) this.take(s, s.mgr.tick(this.now));
  }

  /** Deliver one queued packet. */
  step(): void {
    const p = this.queue.shift();
    if (p === undefined) return;
    const bytes = this.intercept(p);
    const dest = this.stations.get(p.to);
    if (bytes === null || dest === undefined) return;
    this.take(dest, dest.mgr.receive(bytes, this.now));
  }

  /** Deliver until nothing is in flight (bounded). */
  pump(maxSteps = 10_000): void {
    for (let i = 0; i < maxSteps && this.queue.length > 0; i++) this.step();
    assert.equal(this.queue.length, 0, 'packets still in flight after pump');
  }

  advance(ms: number): void {
    this.now += ms;
  }

  texts(node: TestNode): string[] {
    return this.station(node).delivered.map((d) => new TextDecoder().decode(d.plaintext));
  }
}

export const NODE_A = makeTestNode('anna', 41, TEST_CA);
export const NODE_B = makeTestNode('bert', 42, TEST_CA);
export const NODE_C = makeTestNode('cleo', 43, TEST_CA);

/** A mesh of A and B (both in the directory) with a session established by A sending 'hello'. */
export function establishedPair(limits: Partial<SessionLimits> = {}): TestMesh {
  const mesh = new TestMesh(directoryOf([NODE_A, NODE_B, NODE_C]), limits);
  mesh.add(NODE_A);
  mesh.add(NODE_B);
  mesh.send(NODE_A, NODE_B, 'hello');
  mesh.pump();
  assert.deepEqual(mesh.texts(NODE_B), ['hello']);
  return mesh;
}

/** The error `fn` throws (undefined if none), for code checks. */
export function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}
