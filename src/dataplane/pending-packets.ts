/**
 * Packets for an address in the cluster prefix that no member has yet,
 * held briefly until routing learns the member - as IPv6 neighbour
 * discovery holds packets while it resolves an address. Without this the
 * first packets to a node that is still joining (a TCP SYN, the first echo
 * request) are lost and the application waits for its own retry (1 s for a
 * SYN, the next ping).
 *
 * Bounded every way: packets per address, addresses, and time. Pure: the
 * caller passes the time and decides what an address resolves to.
 */

export interface PendingLimits {
  /** Packets held per destination address; older ones give way to newer. */
  perAddress: number;
  /** Destination addresses held at once; packets to another address are dropped. */
  addresses: number;
  /** A packet not released within this long is dropped. */
  holdMs: number;
}

/** Like IPv6 neighbour discovery's queue (RFC 4861 7.2.2: at least one packet; Linux holds a few). */
export const DEFAULT_PENDING_LIMITS: Readonly<PendingLimits> = Object.freeze({ perAddress: 4, addresses: 64, holdMs: 2_000 });

export interface PendingCounters {
  held: number;
  released: number;
  /** Pushed out by a newer packet to the same address, or refused because every address slot was taken. */
  overflowed: number;
  expired: number;
}

interface Held {
  packet: Uint8Array;
  atMs: number;
}

export class PendingPackets {
  readonly counters: PendingCounters = { held: 0, released: 0, overflowed: 0, expired: 0 };
  private readonly byAddress = new Map<string, Held[]>();

  constructor(private readonly limits: PendingLimits = DEFAULT_PENDING_LIMITS) {}

  /** Addresses with packets waiting. */
  get size(): number {
    return this.byAddress.size;
  }

  /** Hold `packet` for `address` (a key the caller chooses, e.g. hex). False if it was dropped instead. */
  hold(address: string, packet: Uint8Array, nowMs: number): boolean {
    let queue = this.byAddress.get(address);
    if (queue === undefined) {
      if (this.byAddress.size >= this.limits.addresses) {
        this.counters.overflowed++;
        return false;
      }
      queue = [];
      this.byAddress.set(address, queue);
    }
    if (queue.length >= this.limits.perAddress) {
      queue.shift();
      this.counters.overflowed++;
    }
    queue.push({ packet, atMs: nowMs });
    this.counters.held++;
    return true;
  }

  /**
   * Hand every packet whose address now resolves to `send`, oldest first,
   * and drop what has waited too long. `resolve` returns the destination for
   * an address, or undefined while it is still unknown.
   */
  release<D>(resolve: (address: string) => D | undefined, send: (destination: D, packet: Uint8Array) => void, nowMs: number): void {
    for (const [address, queue] of this.byAddress) {
      const fresh = queue.filter((h) => nowMs - h.atMs < this.limits.holdMs);
      this.counters.expired += queue.length - fresh.length;
      const destination = fresh.length > 0 ? resolve(address) : undefined;
      if (fresh.length === 0 || destination !== undefined) this.byAddress.delete(address);
      else this.byAddress.set(address, fresh);
      if (destination === undefined) continue;
      for (const h of fresh) send(destination, h.packet);
      this.counters.released += fresh.length;
    }
  }
}
