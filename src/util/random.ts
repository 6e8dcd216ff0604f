import sodium from 'sodium-native';

/** Randomness is injected so simulations and tests can be deterministic. */
export interface Random {
  bytes(n: number): Uint8Array;
  /** Uniform float in [0, 1). */
  float(): number;
}

export const secureRandom: Random = {
  bytes(n: number): Uint8Array {
    const b = Buffer.alloc(n);
    sodium.randombytes_buf(b);
    return b;
  },
  float(): number {
    return sodium.randombytes_uniform(0x1_0000_0000 - 1) / 0x1_0000_0000;
  },
};

/**
 * A small deterministic PRNG (mulberry32) for seeded topologies and
 * simulations. Not for keys.
 */
export class SeededRandom implements Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  float(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}
