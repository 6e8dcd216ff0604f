/**
 * A member: a node whose certificate chain verified, as every layer above
 * sees it. The link layer proves one in its handshake, sessions run with
 * one, routing knows one from its signed record, the firewall matches on
 * one. Each layer reads the fields it needs (a `Pick<Member, ...>`); none
 * keeps a shape of its own.
 */
import type { ChainStanding } from './trust-store.js';

export interface Member {
  /** Node id: BLAKE2b-128 of the Ed25519 public key (16 bytes). */
  id: Uint8Array;
  /** The node id as 32 lowercase hex characters. */
  idText: string;
  /** Certified node name. */
  name: string;
  /** Certified Ed25519 public key; its X25519 form is the handshake's static key. */
  publicKey: Uint8Array;
  /** Groups its certificate carries (verification refused any outside its signer's allowed groups). */
  groups: readonly string[];
  /** When the member stops being one: the first certificate of its chain to expire (ms since the epoch). */
  notAfterMs: number;
  /** The keys of its chain, for re-checks when the node's trust changes (revocations, CAs removed). */
  standing: ChainStanding;
}

/** Just the member of a richer record (a VerifiedNode's chain details, such as its issuer, stay behind). */
export function memberOf(node: Member): Member {
  return { id: node.id, idText: node.idText, name: node.name, publicKey: node.publicKey, groups: node.groups, notAfterMs: node.standing.notAfterMs, standing: node.standing };
}
