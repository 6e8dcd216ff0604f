/**
 * Identity files: the one non-pure module of this folder. Loads and saves
 * armored keys, certificates and revocation lists with the guarantees of
 * src/util/files.ts (atomic writes, no overwrite without force, private keys
 * 0600 and refused when group- or world-accessible). Every error names the
 * file.
 */
import { join } from 'node:path';
import { DecodeError, ErrorCodes, SkeinError } from '../util/errors.js';
import { exists, readFileChecked, readSecretFile, writeFileAtomic } from '../util/files.js';
import { type ArmorBlock, armor, parseArmor } from './armor.js';
import type { Signer } from './ca.js';
import { type Certificate, type CertificateRole, decodeCertificate, encodeCertificate, roleWords } from './certificate.js';
import { encodeChainOfEncoded } from './chain.js';
import { clusterIdToText } from './cluster-id.js';
import { ObjectType, type ObjectTypeByte } from './constants.js';
import { decodePrivateKey, decodePublicKey, encodePrivateKey, encodePublicKey, type NodeKey } from './node-key.js';
import { nodeIdFromPublicKey, nodeIdToText } from './node-id.js';
import { type RevocationList, decodeRevocationList, encodeRevocationList } from './revocation.js';
import { formatTime } from './time.js';
import { buildTrustAnchors, type TrustAnchors } from './trust.js';

export const CA_KEY_FILE = 'ca.key';
export const CA_CERT_FILE = 'ca.crt';
export const INTERMEDIATE_KEY_FILE = 'intermediate.key';
export const INTERMEDIATE_CERT_FILE = 'intermediate.crt';
export const CRL_FILE = 'revoked.crl';
export const PUBLIC_KEY_SUFFIX = '.pub';
export const SECRET_FILE_MODE = 0o600;
export const PUBLIC_FILE_MODE = 0o644;

export interface SaveOptions {
  force?: boolean;
}

/** Run `fn`, making sure any error it throws names `path` and is a SkeinError. */
export function aboutFile<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DecodeError) throw new SkeinError(ErrorCodes.FILE_FORMAT, `${path}: ${err.message}`, { cause: err });
    if (err instanceof SkeinError) {
      if (err.message.startsWith(path)) throw err;
      throw new SkeinError(err.code, `${path}: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

function parseFile(path: string, data: Buffer): ArmorBlock[] {
  return aboutFile(path, () => parseArmor(data.toString('latin1')));
}

/** Every armored block in a file (any type). */
export function readArmorFile(path: string): ArmorBlock[] {
  return parseFile(path, readFileChecked(path));
}

const WHAT: Record<ObjectTypeByte, string> = {
  [ObjectType.PUBLIC_KEY]: 'a public key',
  [ObjectType.PRIVATE_KEY]: 'a private key',
  [ObjectType.CERTIFICATE]: 'a certificate',
  [ObjectType.CHAIN]: 'a certificate chain',
  [ObjectType.REVOCATION_LIST]: 'a revocation list',
};

function blocksOf(path: string, blocks: ArmorBlock[], type: ObjectTypeByte, max: number): Uint8Array[] {
  const wrong = blocks.find((b) => b.type !== type);
  if (wrong !== undefined) throw new SkeinError(ErrorCodes.FILE_FORMAT, `${path}: holds ${WHAT[wrong.type]}, expected ${WHAT[type]}`);
  if (blocks.length > max) throw new SkeinError(ErrorCodes.FILE_FORMAT, `${path}: holds ${blocks.length} blocks, expected at most ${max}`);
  return blocks.map((b) => b.bytes);
}

function single(path: string, blocks: ArmorBlock[], type: ObjectTypeByte): Uint8Array {
  return blocksOf(path, blocks, type, 1)[0] as Uint8Array;
}

export function loadNodeKey(path: string): NodeKey {
  const blocks = parseFile(path, readSecretFile(path));
  return aboutFile(path, () => decodePrivateKey(single(path, blocks, ObjectType.PRIVATE_KEY)));
}

export function loadPublicKey(path: string): Uint8Array {
  const blocks = readArmorFile(path);
  return aboutFile(path, () => decodePublicKey(single(path, blocks, ObjectType.PUBLIC_KEY)));
}

/** The encoded certificates of a certificate file, undecoded, in file order. */
export function loadEncodedCertificates(path: string, max = Number.MAX_SAFE_INTEGER): Uint8Array[] {
  return blocksOf(path, readArmorFile(path), ObjectType.CERTIFICATE, max);
}

export function loadCertificates(path: string): Certificate[] {
  const encoded = loadEncodedCertificates(path);
  return aboutFile(path, () => encoded.map(decodeCertificate));
}

/** A node's certificate file (node certificate, then its intermediate if any) as wire chain bytes. */
export function loadChain(path: string): Uint8Array {
  const encoded = loadEncodedCertificates(path);
  return aboutFile(path, () => encodeChainOfEncoded(encoded));
}

export function loadRevocationList(path: string): RevocationList {
  const blocks = readArmorFile(path);
  return aboutFile(path, () => decodeRevocationList(single(path, blocks, ObjectType.REVOCATION_LIST)));
}

/** CA certificate files (each may be a bundle) and revocation list files → checked trust anchors. */
export function loadTrustAnchors(caPaths: readonly string[], crlPaths: readonly string[] = []): TrustAnchors {
  const cas = caPaths.map((p) => ({ path: p, certs: loadCertificates(p) }));
  const crls = crlPaths.map((p) => ({ path: p, crl: loadRevocationList(p) }));
  const firstCa = caPaths[0] ?? 'trust anchors';
  let trust = aboutFile(firstCa, () => buildTrustAnchors(cas[0]?.certs ?? []));
  for (const { path, certs } of cas.slice(1)) trust = aboutFile(path, () => buildTrustAnchors([...trust.cas, ...certs]));
  for (const { path, crl } of crls) trust = aboutFile(path, () => buildTrustAnchors(trust.cas, [...trust.revocations, crl]));
  return trust;
}

/** Refuse before writing anything when any target exists (so a pair is never half replaced by a refusal). */
export function refuseExisting(paths: readonly string[], opts: SaveOptions): void {
  if (opts.force) return;
  for (const p of paths) {
    if (exists(p)) throw new SkeinError(ErrorCodes.FILE_EXISTS, `${p}: already exists (use --force to overwrite)`);
  }
}

export function certificateComment(cert: Certificate): string {
  const id = nodeIdToText(nodeIdFromPublicKey(cert.publicKey));
  return `skein ${cert.role} certificate '${cert.name}' key ${id} cluster ${clusterIdToText(cert.clusterId)} valid until ${formatTime(cert.notAfter)}`;
}

/** Writes PATH (private, 0600) and PATH.pub. */
export function saveKeyPair(path: string, key: NodeKey, opts: SaveOptions = {}): { privatePath: string; publicPath: string } {
  const publicPath = `${path}${PUBLIC_KEY_SUFFIX}`;
  refuseExisting([path, publicPath], opts);
  const force = opts.force ?? false;
  writeFileAtomic(path, armor(encodePrivateKey(key), [`skein private key of ${key.idText}: keep it secret`]), { mode: SECRET_FILE_MODE, force });
  writeFileAtomic(publicPath, armor(encodePublicKey(key.signing.publicKey), [`skein public key, node id ${key.idText}`]), { mode: PUBLIC_FILE_MODE, force });
  return { privatePath: path, publicPath };
}

export function saveCertificates(path: string, certs: readonly Certificate[], opts: SaveOptions = {}): void {
  const text = certs.map((c) => armor(encodeCertificate(c), [certificateComment(c)])).join('');
  writeFileAtomic(path, text, { mode: PUBLIC_FILE_MODE, force: opts.force ?? false });
}

/** Revocation lists supersede their predecessor by design, so saving one replaces the file. */
export function saveRevocationList(path: string, crl: RevocationList): void {
  const comment = `skein revocation list #${crl.sequence}: ${crl.revoked.length} revoked keys, issued ${formatTime(crl.issuedAt)}`;
  writeFileAtomic(path, armor(encodeRevocationList(crl), [comment]), { mode: PUBLIC_FILE_MODE, force: true });
}

/** A CA or intermediate directory's key (0600) and certificate, refusing to replace either without force. */
export function saveSignerFiles(keyPath: string, certPath: string, key: NodeKey, cert: Certificate, opts: SaveOptions = {}): void {
  refuseExisting([keyPath, certPath], opts);
  const force = opts.force ?? false;
  writeFileAtomic(keyPath, armor(encodePrivateKey(key), [`skein ${cert.role} private key of ${key.idText}: keep it secret`]), { mode: SECRET_FILE_MODE, force });
  saveCertificates(certPath, [cert], { force });
}

export interface SignerFiles extends Signer {
  keyPath: string;
  certPath: string;
}

/** A CA directory (ca.key + ca.crt) or an intermediate signer directory (intermediate.key + intermediate.crt). */
export function loadSigner(dir: string): SignerFiles {
  if (!exists(dir)) throw new SkeinError(ErrorCodes.FILE_NOT_FOUND, `${dir}: no such directory`);
  const isCa = exists(join(dir, CA_KEY_FILE)) || !exists(join(dir, INTERMEDIATE_KEY_FILE));
  const keyPath = join(dir, isCa ? CA_KEY_FILE : INTERMEDIATE_KEY_FILE);
  const certPath = join(dir, isCa ? CA_CERT_FILE : INTERMEDIATE_CERT_FILE);
  if (!exists(keyPath)) {
    throw new SkeinError(ErrorCodes.FILE_NOT_FOUND, `${dir}: not a CA directory (no ${CA_KEY_FILE} or ${INTERMEDIATE_KEY_FILE}; create one with 'skein ca init')`);
  }
  const key = loadNodeKey(keyPath);
  const certs = loadCertificates(certPath);
  const certificate = certs[0];
  if (certificate === undefined || certs.length !== 1) {
    throw new SkeinError(ErrorCodes.FILE_FORMAT, `${certPath}: expected exactly one certificate`);
  }
  const expected: CertificateRole = isCa ? 'ca' : 'intermediate';
  if (certificate.role !== expected) {
    throw new SkeinError(ErrorCodes.FILE_FORMAT, `${certPath}: holds ${roleWords(certificate.role)} certificate, expected ${roleWords(expected)} certificate`);
  }
  if (nodeIdToText(nodeIdFromPublicKey(certificate.publicKey)) !== key.idText) {
    throw new SkeinError(ErrorCodes.FILE_FORMAT, `${certPath}: certificate is for key ${nodeIdToText(nodeIdFromPublicKey(certificate.publicKey))}, but ${keyPath} holds key ${key.idText}`);
  }
  return { key, certificate, keyPath, certPath };
}
