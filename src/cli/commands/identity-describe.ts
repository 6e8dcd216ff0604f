/**
 * What `skein cert show` prints: every identity object as a plain record
 * (for --json) and as aligned "label: value" lines for people. Never prints a
 * private key's secret, only what can be derived publicly from it.
 */
import {
  type ArmorBlock,
  type Certificate,
  FORMAT_VERSION,
  ObjectType,
  type RevocationList,
  clusterIdToText,
  clusterPrefixText,
  decodeCertificate,
  decodeChain,
  decodePrivateKey,
  decodePublicKey,
  decodeRevocationList,
  formatTime,
  isUsablePublicKey,
  nodeIdFromPublicKey,
  nodeIdToText,
} from '../../identity/index.js';
import { x25519PublicFromEd25519 } from '../../crypto/primitives.js';
import { toHex } from '../../codec/codec.js';
import { addressOfNode } from '../../dataplane/addressing.js';

export type Described = Record<string, string | number | boolean | string[] | Record<string, string | string[]> | Described[]>;

/** A node's key fingerprint is its node id; a signer's is its key id (the same hash). */
function keyFields(publicKey: Uint8Array, idName: 'nodeId' | 'keyId'): Described {
  const out: Described = { [idName]: nodeIdToText(nodeIdFromPublicKey(publicKey)), publicKey: toHex(publicKey) };
  if (isUsablePublicKey(publicKey)) out.x25519PublicKey = toHex(x25519PublicFromEd25519(publicKey));
  return out;
}

export function describeCertificate(cert: Certificate): Described {
  const keyId = nodeIdToText(nodeIdFromPublicKey(cert.publicKey));
  const out: Described = {
    kind: 'certificate',
    role: cert.role,
    name: cert.name,
    ...(cert.role === 'node' ? { groups: cert.groups } : {}),
    ...keyFields(cert.publicKey, cert.role === 'node' ? 'nodeId' : 'keyId'),
    // A node's mesh address follows from its cluster and key: the one its TUN device gets.
    ...(cert.role === 'node' ? { address: addressOfNode(cert.clusterId, nodeIdFromPublicKey(cert.publicKey)).text } : {}),
    clusterId: clusterIdToText(cert.clusterId),
    clusterPrefix: clusterPrefixText(cert.clusterId),
    issuerKeyId: nodeIdToText(cert.issuerKeyId),
    selfSigned: nodeIdToText(cert.issuerKeyId) === keyId,
    notBefore: formatTime(cert.notBefore),
    notAfter: formatTime(cert.notAfter),
    version: FORMAT_VERSION,
  };
  if (cert.constraints !== null) {
    out.constraints = {
      namePatterns: cert.constraints.namePatterns ?? 'any',
      groups: cert.constraints.groups ?? 'any',
    };
  }
  return out;
}

export function describeRevocationList(crl: RevocationList): Described {
  return {
    kind: 'revocation-list',
    clusterId: clusterIdToText(crl.clusterId),
    issuerKeyId: nodeIdToText(crl.issuerKeyId),
    sequence: crl.sequence,
    issuedAt: formatTime(crl.issuedAt),
    revoked: crl.revoked.map(nodeIdToText),
    version: FORMAT_VERSION,
  };
}

export function describeBlock(block: ArmorBlock): Described {
  switch (block.type) {
    case ObjectType.CERTIFICATE:
      return describeCertificate(decodeCertificate(block.bytes));
    case ObjectType.CHAIN:
      return { kind: 'certificate-chain', certificates: decodeChain(block.bytes).map(describeCertificate) };
    case ObjectType.REVOCATION_LIST:
      return describeRevocationList(decodeRevocationList(block.bytes));
    case ObjectType.PUBLIC_KEY:
      return { kind: 'public-key', ...keyFields(decodePublicKey(block.bytes), 'nodeId'), version: FORMAT_VERSION };
    case ObjectType.PRIVATE_KEY:
      return { kind: 'private-key', ...keyFields(decodePrivateKey(block.bytes).signing.publicKey, 'nodeId'), version: FORMAT_VERSION };
  }
}

const TITLES: Record<string, (d: Described) => string> = {
  'certificate': (d) => `${d.role === 'ca' ? 'cluster CA' : d.role === 'intermediate' ? 'intermediate signer' : 'node'} certificate '${String(d.name)}'`,
  'certificate-chain': () => 'certificate chain',
  'revocation-list': (d) => `revocation list #${String(d.sequence)}`,
  'public-key': () => 'public key',
  'private-key': () => 'private key (only its public part is shown)',
};

function label(key: string): string {
  return key.replace(/([A-Z])/g, ' $1').toLowerCase().replace('x25519', 'X25519');
}

function value(v: unknown): string {
  if (Array.isArray(v)) return v.length === 0 ? '(none)' : v.join(', ');
  return String(v);
}

/** Aligned text for people. */
export function renderDescribed(d: Described, indent = ''): string {
  const title = TITLES[String(d.kind)]?.(d) ?? String(d.kind);
  const entries = Object.entries(d).filter(([k]) => k !== 'kind');
  const width = Math.max(...entries.map(([k]) => label(k).length));
  const lines = [`${indent}${title}`];
  for (const [k, v] of entries) {
    if (k === 'certificates' && Array.isArray(v)) {
      for (const c of v as Described[]) lines.push(renderDescribed(c, `${indent}  `));
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [sk, sv] of Object.entries(v)) lines.push(`${indent}  ${`${label(k)} ${label(sk)}`.padEnd(width)}  ${value(sv)}`);
    } else {
      lines.push(`${indent}  ${label(k).padEnd(width)}  ${value(v)}`);
    }
  }
  return lines.join('\n');
}
