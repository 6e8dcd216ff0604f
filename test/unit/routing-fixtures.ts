/** Routers, identities and crafted messages for the routing tests (not a test file itself). */
import { Router } from '../../src/routing/router.js';
import type { RoutingAction } from '../../src/routing/actions.js';
import type { RoutingOptions } from '../../src/routing/options.js';
import type { RouterIdentity } from '../../src/routing/state.js';
import type { RevocationStore } from '../../src/routing/trust.js';
import { SimPki } from '../../src/sim/pki.js';
import { decodeRoutingMessage, type RoutingMessage } from '../../src/wire/routing-message.js';
import { peekRecordKey, type RecordNeighbour, signRecord } from '../../src/wire/routing-record.js';
import { encodeUpdate } from '../../src/wire/routing-update.js';

export const T0 = 1_700_000_000_000;
/** No pacing, hold or SPF delay: sends and route changes come back from the call that caused them. */
export const IMMEDIATE: Partial<RoutingOptions> = { floodPacingMs: 0, originationHoldMs: 0, spfDelayMs: 0, minOriginationIntervalMs: 0 };

export function pkiFor(seed = 7): SimPki {
  return new SimPki(seed, T0);
}

export function makeRouter(pki: SimPki, self: RouterIdentity, options: Partial<RoutingOptions> = IMMEDIATE, revocations?: RevocationStore): Router {
  return new Router({ self, chains: pki.chains, revocations: revocations ?? pki.revocationStore(), nowMs: T0, options });
}

export interface RecordSpec {
  sequence: number;
  neighbours?: RecordNeighbour[];
  issuedAtMs?: number;
  lifetimeMs?: number;
  /** Claim another origin than the signer's (origin mismatch). */
  origin?: string;
  chain?: Uint8Array;
}

export function recordOf(who: RouterIdentity, spec: RecordSpec): Uint8Array {
  const neighbours = [...(spec.neighbours ?? [])].sort((a, b) => (a.id < b.id ? -1 : 1));
  return signRecord({
    origin: spec.origin ?? who.idText,
    sequence: spec.sequence,
    issuedAtMs: spec.issuedAtMs ?? T0,
    lifetimeMs: spec.lifetimeMs ?? 3_600_000,
    chain: spec.chain ?? who.chain,
    neighbours,
  }, who.secretKey);
}

export function update(...records: Uint8Array[]): Uint8Array {
  return encodeUpdate(records);
}

export function sendsTo(actions: RoutingAction[], to: string): RoutingMessage[] {
  return actions.flatMap((a) => (a.type === 'send' && a.to === to ? [decodeRoutingMessage(a.bytes)] : []));
}

/** Origins (and sequences) of every record in the UPDATE messages sent to `to`. */
export function recordsSentTo(actions: RoutingAction[], to: string): { origin: string; sequence: number }[] {
  return sendsTo(actions, to).flatMap((m) => (m.type === 'update' ? m.records.map((r) => { const k = peekRecordKey(r); return { origin: k.origin, sequence: k.sequence }; }) : []));
}

/**
 * Delivers every send between a set of routers until none is left (no loss,
 * no delay; ticks when a router asks), for tests that need a few nodes talking.
 */
export class TinyMesh {
  readonly routers = new Map<string, Router>();
  now = T0;
  private queue: { from: string; to: string; bytes: Uint8Array }[] = [];
  private wakes = new Map<string, number>();
  delivered = 0;

  add(r: Router): Router {
    this.routers.set(r.id, r);
    return r;
  }

  handle(from: string, actions: RoutingAction[]): void {
    for (const a of actions) {
      if (a.type === 'send') this.queue.push({ from, to: a.to, bytes: a.bytes });
      if (a.type === 'wake') this.wakes.set(from, a.atMs);
    }
  }

  connect(a: Router, b: Router, cost = 1): void {
    this.handle(a.id, a.linkUp(b.id, this.now, { cost }));
    this.handle(b.id, b.linkUp(a.id, this.now, { cost }));
  }

  disconnect(a: Router, b: Router): void {
    this.handle(a.id, a.linkDown(b.id, this.now));
    this.handle(b.id, b.linkDown(a.id, this.now));
  }

  /** Runs until quiet, advancing time to pending wakes (up to `maxMs`). */
  settle(maxMs = 60_000): void {
    const end = this.now + maxMs;
    for (let guard = 0; guard < 100_000; guard++) {
      const m = this.queue.shift();
      if (m !== undefined) {
        const r = this.routers.get(m.to);
        if (r !== undefined) this.handle(m.to, r.receive(m.from, m.bytes, this.now));
        this.delivered++;
        continue;
      }
      const due = [...this.wakes].filter(([, at]) => at <= end).sort((x, y) => x[1] - y[1])[0];
      if (due === undefined) return;
      this.now = Math.max(this.now, due[1]);
      this.wakes.delete(due[0]);
      const r = this.routers.get(due[0]);
      if (r !== undefined) this.handle(due[0], r.tick(this.now));
    }
    throw new Error('TinyMesh did not settle');
  }
}
