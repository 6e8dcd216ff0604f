/**
 * What routing needs from the trust layer, as two small interfaces so the
 * core does not depend on how certificates are encoded:
 *
 * - `ChainVerifier` checks a certificate chain (signatures up to a trusted
 *   CA, cluster, validity period) and says which keys it binds. It does NOT
 *   check revocation, so its answer depends only on the chain, the CA set and
 *   the time: that is what makes it safe to cache by chain hash, and to share
 *   one cache between the virtual nodes of the simulator.
 * - `RevocationStore` is per node: it answers "is this key revoked?" with the
 *   lists this node holds, and checks and installs new lists.
 *
 * identity-trust.ts adapts the identity library (TrustAnchors) to both.
 */
import { blake2b } from '../crypto/primitives.js';
import { toHex } from '../wire/codec.js';

export interface VerifiedOrigin {
  /** Node id (= key fingerprint) of the certified key. */
  idText: string;
  name: string;
  /** Ed25519 key that must have signed the record. */
  publicKey: Uint8Array;
  /** The chain is usable in [notBeforeMs, notAfterMs] (the tightest of its certificates). */
  notBeforeMs: number;
  notAfterMs: number;
  /** Key ids of every key in the chain (node, intermediate, CA): revoking any of them revokes the origin. */
  keyIds: readonly string[];
}

export interface ChainVerifier {
  /** Throws SkeinError with a stable CERT_* code when the chain is not acceptable at `nowMs`. */
  verifyChain(chain: Uint8Array, nowMs: number): VerifiedOrigin;
}

export interface RevocationListInfo {
  /** Key id of the CA that signed the list (hex). */
  issuer: string;
  sequence: number;
  /** Revoked key ids (hex). */
  revoked: readonly string[];
}

export interface RevocationStore {
  isRevoked(keyId: string): boolean;
  /** Checks signature, issuer and cluster; throws SkeinError. Does not install. */
  checkList(bytes: Uint8Array, nowMs: number): RevocationListInfo;
  /** Installs a list that `checkList` accepted and that is newer than the one held from its CA. */
  installList(bytes: Uint8Array, info: RevocationListInfo): void;
}

/** Cache entries kept at most (a few times the database bound). */
export const DEFAULT_CHAIN_CACHE_ENTRIES = 32_768;
const CHAIN_HASH_BYTES = 32;

/**
 * Caches successful chain verifications by BLAKE2b-256 of the chain bytes.
 * A hit is used only inside the chain's validity period; outside it the
 * inner verifier runs again (and throws the proper expiry error). Failures
 * are not cached: a bad chain costs a verification each time, which the
 * per-neighbour rate limit bounds. Oldest entries go first when full.
 */
export class CachedChainVerifier implements ChainVerifier {
  private readonly cache = new Map<string, VerifiedOrigin>();
  hits = 0;
  misses = 0;

  constructor(private readonly inner: ChainVerifier, private readonly maxEntries = DEFAULT_CHAIN_CACHE_ENTRIES) {}

  verifyChain(chain: Uint8Array, nowMs: number): VerifiedOrigin {
    const key = toHex(blake2b(CHAIN_HASH_BYTES, chain));
    const hit = this.cache.get(key);
    if (hit !== undefined && nowMs >= hit.notBeforeMs && nowMs <= hit.notAfterMs) {
      this.hits++;
      return hit;
    }
    this.misses++;
    const verified = this.inner.verifyChain(chain, nowMs);
    if (this.cache.size >= this.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(key, verified);
    return verified;
  }

  get size(): number {
    return this.cache.size;
  }
}
