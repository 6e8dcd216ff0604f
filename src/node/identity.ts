/**
 * The daemon's identity at start: its key, its certificate chain, the trust
 * anchors; checked together so a node refuses to start with a certificate
 * that its peers would refuse (expired, revoked, for another key or name,
 * from an untrusted CA), and says which file is wrong.
 */
import { constantTimeEqual } from '../crypto/primitives.js';
import { type Member, memberOf, type NodeKey, type TrustAnchors, type TrustStore, type VerifiedNode, verifyNodeChain } from '../identity/index.js';
import { loadChain, loadNodeKey, loadTrustAnchors } from '../identity/files.js';
import type { AuthenticatePeer } from '../link/types.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import type { NodeConfig } from './config.js';

export interface NodeIdentity {
  key: NodeKey;
  /** Our certificate chain as sent in handshakes. */
  chain: Uint8Array;
  /** Our own certificate, verified. */
  self: VerifiedNode;
  /** The cluster's 40-bit id: fixed for the cluster's life, so it is safe to hold. */
  clusterId: Uint8Array;
}

/** The CAs and revocation lists the config names (checked together). */
export function loadTrust(config: NodeConfig): TrustAnchors {
  return loadTrustAnchors(config.ca, config.revocations);
}

/** Our key and certificate, checked against the trust a node starts with. */
export function loadNodeIdentity(config: NodeConfig, trust: TrustAnchors, nowMs: number): NodeIdentity {
  const key = loadNodeKey(config.key);
  const chain = loadChain(config.certificate);
  return checkOwnIdentity(config, key, chain, trust, nowMs);
}

export function checkOwnIdentity(config: Pick<NodeConfig, 'certificate' | 'key' | 'name'>, key: NodeKey, chain: Uint8Array, trust: TrustAnchors, nowMs: number): NodeIdentity {
  let self: VerifiedNode;
  try {
    self = verifyNodeChain(chain, trust, nowMs);
  } catch (err) {
    if (err instanceof SkeinError) throw new SkeinError(err.code, `${config.certificate}: our own certificate would be refused by every peer: ${err.message}`);
    throw err;
  }
  if (self.idText !== key.idText) {
    throw new SkeinError(ErrorCodes.CONFIG, `${config.certificate}: certifies key ${self.idText}, but ${config.key} holds key ${key.idText}`);
  }
  if (config.name !== undefined && config.name !== self.name) {
    throw new SkeinError(ErrorCodes.CONFIG, `${config.certificate}: certifies the name '${self.name}', but the config says name = '${config.name}'`);
  }
  return { key, chain, self, clusterId: trust.clusterId };
}

/**
 * The link layer's peer check: the presented chain must verify against the
 * current trust anchors at the current time, and certify exactly the X25519
 * static key the peer used in the Noise handshake.
 */
export function makePeerAuthenticator(trust: TrustStore, now: () => number): AuthenticatePeer {
  return (payload: Uint8Array, remoteStatic: Uint8Array): Member => {
    const node = verifyNodeChain(payload, trust.anchors, now());
    if (!constantTimeEqual(node.dhPublicKey, remoteStatic)) {
      throw new SkeinError(ErrorCodes.AUTH, `peer presented the certificate of '${node.name}' (${node.idText}) but handshook with a different key`);
    }
    return memberOf(node);
  };
}
