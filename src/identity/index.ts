/**
 * The identity layer's public API: node keys, certificates, CA operations,
 * revocation, trust anchors and verification. Everything here is pure (no
 * I/O, no clock: times come in as arguments). File helpers live in
 * ./files.js, which is the one non-pure module of this folder.
 */
export * from './constants.js';
export { UnsupportedVersionError } from './header.js';
export {
  NODE_ID_BYTES,
  isNodeIdText,
  nodeIdFromPublicKey,
  nodeIdFromText,
  nodeIdToText,
  shortNodeId,
} from './node-id.js';
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
export { clusterIdFromCaKey, clusterIdFromText, clusterIdToText, clusterPrefixText } from './cluster-id.js';
export {
  isValidLabel,
  isValidNamePattern,
  nameMatchesPattern,
  parseNameList,
  validateClusterName,
  validateGroupName,
  validateNamePattern,
  validateNamePatternList,
  validateNodeName,
  validateSignerName,
} from './names.js';
export {
  type Certificate,
  type CertificateBody,
  type CertificateParts,
  type CertificateRole,
  type SignerConstraints,
  certificateSignedBy,
  decodeCertificate,
  decodeCertificateParts,
  encodeCertificate,
} from './certificate.js';
export { decodeChain, decodeChainParts, encodeChain, encodeChainOfEncoded } from './chain.js';
export {
  type RevocationList,
  decodeRevocationList,
  encodeRevocationList,
  revocationListSignatureValid,
} from './revocation.js';
export {
  type CaRequest,
  type IntermediateRequest,
  type NodeRequest,
  type RevocationRequest,
  type Signer,
  type ValidityRequest,
  createCa,
  issueIntermediate,
  issueNodeCertificate,
  issueRevocationList,
} from './ca.js';
export { type TrustAnchors, addRevocationList, buildTrustAnchors, findCa, isRevoked, revokedBy } from './trust.js';
export { type VerifiedNode, verifyNodeChain } from './verify.js';
export { type Member, memberOf } from './member.js';
export { type ChainStanding, type TrustChange, type TrustLoss, TrustStore } from './trust-store.js';
export { type ArmorBlock, ARMOR_LABELS, ARMOR_MAX_CHARS, armor, parseArmor } from './armor.js';
export { formatTime } from './time.js';
