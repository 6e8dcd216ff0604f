/**
 * The identity layer's public API: node keys, certificates, CA operations,
 * revocation, trust anchors and verification. Everything here is pure (no
 * I/O, no clock: times come in as arguments). File helpers live in
 * ./files.js, which is the one non-pure module of this folder.
 */
export * from './constants.js';
export { isNodeIdText, nodeIdFromPublicKey, nodeIdFromText, nodeIdToText } from './node-id.js';
export {
  type NodeKey,
  decodePrivateKey,
  decodePublicKey,
  encodePrivateKey,
  encodePublicKey,
  generateNodeKey,
  isUsablePublicKey,
  nodeKeyFromSeed,
} from './node-key.js';
export { clusterIdFromCaKey, clusterIdToText, clusterPrefixText } from './cluster-id.js';
export {
  isValidLabel,
  nameMatchesPattern,
  parseNameList,
  validateGroupName,
  validateNamePattern,
  validateNamePatternList,
  validateNodeName,
  validateSignerName,
} from './names.js';
export { type Certificate, type SignerConstraints, decodeCertificate, encodeCertificate } from './certificate.js';
export { decodeChain, encodeChain, encodeChainOfEncoded } from './chain.js';
export { type RevocationList, decodeRevocationList, encodeRevocationList } from './revocation.js';
export { type Signer, createCa, issueIntermediate, issueNodeCertificate, issueRevocationList } from './ca.js';
export { type TrustAnchors, addRevocationList, buildTrustAnchors, findCa, isRevoked } from './trust.js';
export { type VerifiedNode, verifyNodeChain } from './verify.js';
export { type Member, memberOf } from './member.js';
export { type TrustChange, TrustStore } from './trust-store.js';
export { type ArmorBlock, ARMOR_LABELS, armor, parseArmor } from './armor.js';
export { formatTime } from './time.js';
