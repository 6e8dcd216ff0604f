/** A seeded PRNG for the fuzz loop (xorshift128+ folded to 32 bits): runs replay from their seed. */
export class FuzzRandom {
  private a: number;
  private b: number;

  constructor(seed: number) {
    this.a = (seed ^ 0x9e37_79b9) >>> 0 || 1;
    this.b = (Math.imul(seed, 0x85eb_ca6b) ^ 0xc2b2_ae35) >>> 0 || 2;
  }

  u32(): number {
    let x = this.a;
    const y = this.b;
    this.a = y;
    x ^= x << 23;
    x ^= x >>> 17;
    x ^= y ^ (y >>> 26);
    this.b = x >>> 0;
    return (this.a + this.b) >>> 0;
  }

  /** Uniform in [0, n). */
  below(n: number): number {
    return n <= 1 ? 0 : this.u32() % n;
  }

  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}
