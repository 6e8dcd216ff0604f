/**
 * What routing needs from the trust layer, as two small interfaces so the
 * core does not depend on how certificates are encoded:
 *
 * - `ChainVerifier` checks a certificate chain (signatures up to a trusted
 *   CA, cluster, validity period) and says which keys it binds. It does NOT
 *   check revocation, so its answer depends only on the chain, the CA set and
 *   the time: that is what makes it safe to cache by chain hash, and to share
 *   one cache between the virtual nodes of the simulator.
 * - `RevocationStore` is per node: it answers "is this key revoked?" and "is
 *   this CA still trusted?" from the node's trust store, and checks and
 *   installs new lists.
 *
 * identity-trust.ts adapts the identity library (TrustAnchors) to both.
 */
import type { Member } from '../identity/member.js';

/**
 * The member a record's chain proves, as routing keeps it: the Member
 * fields it needs (publicKey is the key that must have signed the record),
 * and the chain's own details.
 */
export interface VerifiedOrigin extends Pick<Member, 'idText' | 'name' | 'publicKey' | 'groups' | 'notAfterMs'> {
  /** The chain is usable in [notBeforeMs, notAfterMs] (the tightest of its certificates). */
  notBeforeMs: number;
  /** When the node's own certificate begins: the newer certificate holds a name two members claim. */
  certifiedSinceMs: number;
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
  /** Whether this key id is one of the node's trusted CAs (a removed CA ends every chain it anchors). */
  isTrustedCa(keyId: string): boolean;
  /** Checks signature, issuer and cluster; throws SkeinError. Does not install. */
  checkList(bytes: Uint8Array, nowMs: number): RevocationListInfo;
  /** Installs a list that `checkList` accepted and that is newer than the one held from its CA. */
  installList(bytes: Uint8Array, info: RevocationListInfo): void;
}

/** Cache entries kept at most (a few times the database bound). */
export const DEFAULT_CHAIN_CACHE_ENTRIES = 32_768;
/** The cache key: the chain's last bytes, i.e. the tail of its last certificate's signature. */
const CHAIN_KEY_BYTES = 24;

/**
 * Caches successful chain verifications by chain bytes: the key is the tail
 * of the chain (the end of its last certificate's signature, as good as a
 * hash for telling chains apart, and free), and a hit also requires the
 * whole chain to be byte-for-byte equal, so the cache is exact. A hit is
 * used only inside the chain's validity period; outside it the inner
 * verifier runs again (and throws the proper expiry error). Failures are not
 * cached: a bad chain costs a verification each time, which the
 * per-neighbour rate limit bounds. Oldest entries go first when full.
 */
export class CachedChainVerifier implements ChainVerifier {
  private readonly cache = new Map<string, { chain: Buffer; verified: VerifiedOrigin }>();
  hits = 0;
  misses = 0;

  constructor(private readonly inner: ChainVerifier, private readonly maxEntries = DEFAULT_CHAIN_CACHE_ENTRIES) {}

  verifyChain(chain: Uint8Array, nowMs: number): VerifiedOrigin {
    const bytes = Buffer.from(chain.buffer, chain.byteOffset, chain.byteLength);
    const key = bytes.toString('base64', Math.max(0, bytes.byteLength - CHAIN_KEY_BYTES));
    const hit = this.cache.get(key);
    if (hit !== undefined && hit.chain.equals(bytes) && nowMs >= hit.verified.notBeforeMs && nowMs <= hit.verified.notAfterMs) {
      this.hits++;
      return hit.verified;
    }
    this.misses++;
    const verified = this.inner.verifyChain(chain, nowMs);
    if (this.cache.size >= this.maxEntries && !this.cache.has(key)) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(key, { chain: Buffer.from(chain), verified });
    return verified;
  }

  get size(): number {
    return this.cache.size;
  }
}
