/**
 * Adapts the identity library to routing's trust interfaces (trust.ts).
 *
 * The chain verifier runs identity's `verifyNodeChain` against the trusted
 * CAs with no revocation lists, so its answer can be cached and shared;
 * revocation is answered per node by `IdentityRevocationStore`, which holds
 * the node's own TrustAnchors (the newest list from each CA).
 */
import {
  addRevocationList,
  decodeChain,
  decodeRevocationList,
  findCa,
  MS_PER_SECOND,
  nodeIdFromText,
  nodeIdToText,
  type TrustAnchors,
  verifyNodeChain,
} from '../identity/index.js';
import { DecodeError, ErrorCodes, SkeinError } from '../util/errors.js';
import type { ChainVerifier, RevocationListInfo, RevocationStore, VerifiedOrigin } from './trust.js';

export function identityChainVerifier(anchors: TrustAnchors): ChainVerifier {
  const withoutRevocations: TrustAnchors = { ...anchors, revocations: [] };
  return {
    verifyChain(chain: Uint8Array, nowMs: number): VerifiedOrigin {
      const node = verifyNodeChain(chain, withoutRevocations, nowMs);
      const certs = decodeChain(chain);
      // node key, then each certificate's issuer: the intermediate (if any), then the CA.
      const keyIds = [node.idText, ...certs.map((c) => nodeIdToText(c.issuerKeyId))];
      const ca = findCa(anchors, certs[certs.length - 1]?.issuerKeyId ?? new Uint8Array());
      let notBeforeMs = -Infinity;
      let notAfterMs = Infinity;
      for (const cert of ca === undefined ? certs : [...certs, ca]) {
        notBeforeMs = Math.max(notBeforeMs, cert.notBefore * MS_PER_SECOND);
        notAfterMs = Math.min(notAfterMs, cert.notAfter * MS_PER_SECOND);
      }
      return { idText: node.idText, name: node.name, publicKey: node.publicKey, notBeforeMs, notAfterMs, keyIds };
    },
  };
}

export class IdentityRevocationStore implements RevocationStore {
  /** Every revoked key id (hex), so a check per record is one set lookup. */
  private revoked = new Set<string>();

  constructor(private current: TrustAnchors) {
    this.index();
  }

  private index(): void {
    this.revoked = new Set(this.current.revocations.flatMap((crl) => crl.revoked.map(nodeIdToText)));
  }

  /** The anchors with every list installed so far (the daemon persists lists from the `revocation-list` action). */
  get anchors(): TrustAnchors {
    return this.current;
  }

  isRevoked(keyId: string): boolean {
    return this.revoked.has(keyId);
  }

  checkList(bytes: Uint8Array): RevocationListInfo {
    let crl;
    try {
      crl = decodeRevocationList(bytes);
    } catch (err) {
      if (err instanceof DecodeError) throw new SkeinError(ErrorCodes.CERT_MALFORMED, `malformed revocation list: ${err.message}`);
      throw err;
    }
    addRevocationList(this.current, crl); // throws when the list is not trustworthy; the result is discarded
    return { issuer: nodeIdToText(crl.issuerKeyId), sequence: crl.sequence, revoked: crl.revoked.map(nodeIdToText) };
  }

  installList(bytes: Uint8Array): void {
    this.current = addRevocationList(this.current, decodeRevocationList(bytes));
    this.index();
  }
}
