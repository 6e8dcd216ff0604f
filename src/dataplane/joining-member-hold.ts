/**
 * The send pipeline's hold for a member that is joining: a packet to an
 * address in the cluster prefix that no member has (yet) is held briefly
 * (pending-packets.ts) in case routing is about to learn the member, and
 * sent when it does. A sweep after each hold time drops what waited too
 * long, so none outlives it for want of a route change.
 */
import { isInClusterPrefix } from './addressing.js';
import { IPV6_ADDRESS_BYTES, IPV6_DESTINATION_OFFSET, addressAt } from './ipv6.js';
import { DEFAULT_PENDING_LIMITS, PendingPackets, type PendingCounters } from './pending-packets.js';
import type { MemberDirectory } from './ports.js';
import { copyWithRoom } from '../wire/frame-room.js';
import { TUN_READ_ROOM } from '../wire/packet-room.js';

export class JoiningMemberHold {
  private readonly pending = new PendingPackets();
  private sweep: NodeJS.Timeout | undefined;
  /** Where released packets go on (the send pipeline's firewall stage). */
  private sendOn: (dest: string, packet: Uint8Array) => void = () => {};

  constructor(
    private readonly prefixBytes: Uint8Array,
    private readonly ownAddress: Uint8Array,
    private readonly members: MemberDirectory,
  ) {}

  get counters(): PendingCounters {
    return { ...this.pending.counters };
  }

  /** Where released packets continue. */
  onRelease(send: (dest: string, packet: Uint8Array) => void): void {
    this.sendOn = send;
  }

  /**
   * Hold `packet` if it is for a cluster address other than ours. A copy
   * with the read room: the read buffer it came in may hold a whole batch,
   * which a held view would keep alive.
   */
  hold(packet: Uint8Array): boolean {
    if (!isInClusterPrefix(this.prefixBytes, packet, IPV6_DESTINATION_OFFSET) || addressAt(packet, IPV6_DESTINATION_OFFSET, this.ownAddress)) return false;
    const key = Buffer.from(packet.buffer, packet.byteOffset + IPV6_DESTINATION_OFFSET, IPV6_ADDRESS_BYTES).toString('hex');
    if (!this.pending.hold(key, copyWithRoom(packet, TUN_READ_ROOM.headroom, TUN_READ_ROOM.tailroom), performance.now())) return false;
    this.scheduleSweep();
    return true;
  }

  /** Send what now has a member, drop what waited too long (call when the members change). */
  release(): void {
    if (this.pending.size === 0) return;
    this.pending.release((key) => this.members.nodeAt(Buffer.from(key, 'hex'), 0), this.sendOn, performance.now());
  }

  stop(): void {
    if (this.sweep) clearTimeout(this.sweep);
    this.sweep = undefined;
  }

  private scheduleSweep(): void {
    this.sweep ??= setTimeout(() => {
      this.sweep = undefined;
      this.release();
      if (this.pending.size > 0) this.scheduleSweep();
    }, DEFAULT_PENDING_LIMITS.holdMs).unref();
  }
}
