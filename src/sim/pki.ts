/**
 * A real cluster PKI for the simulator: a CA, a certificate per virtual
 * node, and revocation lists, all from the identity library, with keys from
 * a seeded generator (reproducible runs). Certificate verification goes
 * through one CachedChainVerifier shared by every virtual node: it checks
 * only what depends on the chain and the CA set, never revocation, so
 * sharing it is exact (trust.ts) and 1,000 nodes verify 1,000 chains, not
 * a million.
 */
import {
  buildTrustAnchors,
  createCa,
  encodeChain,
  encodeRevocationList,
  generateNodeKey,
  issueNodeCertificate,
  issueRevocationList,
  nodeIdFromText,
  type NodeKey,
  type RevocationList,
  type Signer,
  type TrustAnchors,
  TrustStore,
} from '../identity/index.js';
import { identityChainVerifier, IdentityRevocationStore } from '../routing/identity-trust.js';
import type { RouterIdentity } from '../routing/state.js';
import { CachedChainVerifier } from '../routing/trust.js';
import { SeededRandom } from '../util/random.js';

/** Certificates are valid this long from the simulation's start. */
const SIM_CERT_DAYS = 30;

export class SimPki {
  readonly ca: Signer;
  readonly anchors: TrustAnchors;
  readonly chains: CachedChainVerifier;
  private readonly rng: SeededRandom;
  private crl: RevocationList | null = null;

  constructor(seed: number, private readonly nowMs: number, clusterName = 'sim') {
    this.rng = new SeededRandom(seed ^ 0x5eed_c0de);
    const key = generateNodeKey(this.rng);
    this.ca = { key, certificate: createCa({ key, name: clusterName, nowMs }) };
    this.anchors = buildTrustAnchors([this.ca.certificate]);
    this.chains = new CachedChainVerifier(identityChainVerifier(this.anchors));
  }

  /** A new node key and certificate; `name` must be a DNS label. */
  issue(name: string, key: NodeKey = generateNodeKey(this.rng)): RouterIdentity {
    const cert = issueNodeCertificate(this.ca, { publicKey: key.signing.publicKey, name, nowMs: this.nowMs, days: SIM_CERT_DAYS });
    return { idText: key.idText, name, publicKey: key.signing.publicKey, secretKey: key.signing.secretKey, chain: encodeChain([cert]) };
  }

  /** A node's own revocation state, starting from the anchors (no lists). */
  revocationStore(): IdentityRevocationStore {
    return new IdentityRevocationStore(new TrustStore(this.anchors));
  }

  /** The CA's next revocation list, adding these node ids; encoded. */
  revoke(ids: readonly string[], nowMs: number): Uint8Array {
    this.crl = issueRevocationList(this.ca, { previous: this.crl, revoke: ids.map(nodeIdFromText), nowMs });
    return encodeRevocationList(this.crl);
  }
}
