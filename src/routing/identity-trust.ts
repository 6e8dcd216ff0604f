/**
 * Adapts the identity library to routing's trust interfaces (trust.ts).
 *
 * The chain verifier runs identity's `verifyNodeChain` against the trusted
 * CAs with no revocation lists, so its answer can be cached and shared;
 * revocation is answered per node by `IdentityRevocationStore`, a view of
 * the node's TrustStore (the newest list from each CA).
 */
import {
  decodeChain,
  decodeRevocationList,
  findCa,
  MS_PER_SECOND,
  nodeIdToText,
  type RevocationList,
  type TrustAnchors,
  type TrustStore,
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
      return { idText: node.idText, name: node.name, publicKey: node.publicKey, notBeforeMs, notAfterMs, certifiedSinceMs: node.notBefore, keyIds, groups: node.groups };
    },
  };
}

/** Routing's view of the node's one trust store: every answer and every installed list goes through it. */
export class IdentityRevocationStore implements RevocationStore {
  constructor(private readonly store: TrustStore) {}

  isRevoked(keyId: string): boolean {
    return this.store.isRevoked(keyId);
  }

  isTrustedCa(keyId: string): boolean {
    return this.store.isTrustedCa(keyId);
  }

  checkList(bytes: Uint8Array): RevocationListInfo {
    const crl = decodeList(bytes);
    this.store.isNewer(crl); // throws when the list is not trustworthy
    return { issuer: nodeIdToText(crl.issuerKeyId), sequence: crl.sequence, revoked: crl.revoked.map(nodeIdToText) };
  }

  installList(bytes: Uint8Array): void {
    this.store.addList(decodeList(bytes));
  }
}

function decodeList(bytes: Uint8Array): RevocationList {
  try {
    return decodeRevocationList(bytes);
  } catch (err) {
    if (err instanceof DecodeError) throw new SkeinError(ErrorCodes.CERT_MALFORMED, `malformed revocation list: ${err.message}`);
    throw err;
  }
}
