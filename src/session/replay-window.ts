/**
 * Sliding anti-replay window over 64-bit message counters, after RFC 6479
 * (and wireguard-go's replay.Filter): a ring of REPLAY_RING_BITS bits in
 * 32-bit blocks. Moving the window forward clears whole blocks, so one block
 * is always slack and the window proper is REPLAY_WINDOW counters.
 *
 * A counter is accepted once if it is above everything seen so far (the
 * window jumps forward), or no more than REPLAY_WINDOW below the highest seen
 * and not seen before. So reordering within the window is fine; duplicates
 * and counters older than the window are refused.
 *
 * Usage (the order matters): `check` before decrypting (cheap rejection of
 * obvious replays), `accept` only AFTER the packet authenticated — an
 * unauthenticated counter must never move the window.
 */

/** Bits per ring block (a Uint32Array element). */
const BLOCK_BITS = 32;
/** Blocks in the ring: a power of two. */
const RING_BLOCKS = 64;
export const REPLAY_RING_BITS = BLOCK_BITS * RING_BLOCKS;
/** How far below the highest counter seen a counter is still accepted (2016). */
export const REPLAY_WINDOW = REPLAY_RING_BITS - BLOCK_BITS;

export class ReplayWindow {
  private readonly ring = new Uint32Array(RING_BLOCKS);
  /** Highest counter accepted; -1 before the first. */
  private last = -1;

  /** Counters at or above `limit` are refused outright. */
  constructor(private readonly limit: number) {}

  get highest(): number {
    return this.last;
  }

  /** Would `counter` be accepted? (Does not change anything.) */
  check(counter: number): boolean {
    if (!Number.isSafeInteger(counter) || counter < 0 || counter >= this.limit) return false;
    if (counter > this.last) return true;
    if (this.last - counter > REPLAY_WINDOW) return false;
    return (this.ring[blockOf(counter)]! & bitOf(counter)) === 0;
  }

  /** Record `counter` as seen. Returns false (and changes nothing) if it is a replay or out of range. */
  accept(counter: number): boolean {
    if (!this.check(counter)) return false;
    if (counter > this.last) this.advanceTo(counter);
    const block = blockOf(counter);
    this.ring[block] = this.ring[block]! | bitOf(counter);
    return true;
  }

  /** Move the top of the window to `counter`, clearing the blocks it passes (at most the whole ring). */
  private advanceTo(counter: number): void {
    const currentBlock = this.last < 0 ? -1 : Math.floor(this.last / BLOCK_BITS);
    const targetBlock = Math.floor(counter / BLOCK_BITS);
    const steps = Math.min(targetBlock - currentBlock, RING_BLOCKS);
    for (let i = 1; i <= steps; i++) this.ring[(targetBlock - steps + i) % RING_BLOCKS] = 0;
    this.last = counter;
  }
}

function blockOf(counter: number): number {
  return Math.floor(counter / BLOCK_BITS) % RING_BLOCKS;
}

function bitOf(counter: number): number {
  return (1 << (counter % BLOCK_BITS)) >>> 0;
}
