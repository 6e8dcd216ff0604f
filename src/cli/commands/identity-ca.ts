/**
 * `skein ca …`: create a cluster CA (or rotate it), issue intermediate
 * signers, sign node public keys, revoke keys. The CA only ever reads public
 * keys of the nodes it certifies.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  DEFAULT_CA_DAYS,
  DEFAULT_INTERMEDIATE_DAYS,
  DEFAULT_NODE_DAYS,
  type RevocationList,
  ObjectType,
  buildTrustAnchors,
  clusterIdToText,
  clusterPrefixText,
  createCa,
  formatTime,
  generateNodeKey,
  isNodeIdText,
  issueIntermediate,
  issueNodeCertificate,
  issueRevocationList,
  nodeIdFromPublicKey,
  nodeIdFromText,
  nodeIdToText,
  decodeCertificate,
  decodePublicKey,
  validateNodeName,
  validateSignerName,
} from '../../identity/index.js';
import {
  CA_CERT_FILE,
  CA_KEY_FILE,
  CRL_FILE,
  INTERMEDIATE_CERT_FILE,
  INTERMEDIATE_KEY_FILE,
  aboutFile,
  loadCertificates,
  loadPublicKey,
  loadRevocationList,
  loadSigner,
  readArmorFile,
  refuseExisting,
  saveCertificates,
  saveSignerFiles,
  saveRevocationList,
} from '../../identity/files.js';
import { ErrorCodes, SkeinError } from '../../util/errors.js';
import { exists } from '../../util/files.js';
import { parseDays, parseGroups, parsePatterns } from './identity-options.js';
import { printJson } from '../output.js';

const DIR_MODE = 0o700;

/** The lines for people, or (--json) the record for scripts. */
function emit(opts: { json?: boolean }, record: Record<string, unknown>, lines: string[]): void {
  if (opts.json) printJson(record);
  else process.stdout.write(lines.map((l) => `${l}\n`).join(''));
}

function makeDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  } catch (err) {
    throw new SkeinError(ErrorCodes.FILE_FORMAT, `${dir}: cannot create directory: ${(err as Error).message}`);
  }
}

interface InitOptions { name?: string; out: string; days: number; rotateFrom?: string; force?: boolean; json?: boolean }

function caInit(opts: InitOptions): void {
  const rotateFrom = opts.rotateFrom === undefined ? undefined : loadOldCa(opts.rotateFrom);
  if (opts.name === undefined && rotateFrom === undefined) {
    throw new SkeinError(ErrorCodes.USAGE, 'ca init: --name CLUSTER is required (or --rotate-from OLD_CA_DIR to keep an existing cluster)');
  }
  const keyPath = join(opts.out, CA_KEY_FILE);
  const certPath = join(opts.out, CA_CERT_FILE);
  refuseExisting([keyPath, certPath], opts);
  const key = generateNodeKey();
  const cert = createCa({
    key,
    nowMs: Date.now(),
    days: opts.days,
    ...(opts.name === undefined ? {} : { name: opts.name }),
    ...(rotateFrom === undefined ? {} : { rotateFrom }),
  });
  makeDir(opts.out);
  saveSignerFiles(keyPath, certPath, key, cert, opts);
  const id = clusterIdToText(cert.clusterId);
  const lines = [
    `${rotateFrom ? 'rotated CA for' : 'new'} cluster '${cert.name}' id ${id} prefix ${clusterPrefixText(cert.clusterId)}`,
    `CA key ${key.idText}: ${keyPath} (private, mode 0600), ${certPath} (valid until ${formatTime(cert.notAfter)})`,
  ];
  if (rotateFrom) lines.push(`trust both CA certificates while nodes move over: --ca ${join(opts.rotateFrom ?? '', CA_CERT_FILE)} --ca ${certPath}`);
  emit(opts, { cluster: cert.name, clusterId: id, prefix: clusterPrefixText(cert.clusterId), keyId: key.idText, key: keyPath, certificate: certPath, notAfter: formatTime(cert.notAfter), rotated: rotateFrom !== undefined }, lines);
}

/** A rotation needs only the old CA's certificate (the old key may be lost or offline). */
function loadOldCa(dir: string) {
  const path = join(dir, CA_CERT_FILE);
  const certs = loadCertificates(path);
  const old = certs[0];
  if (old === undefined || certs.length !== 1 || old.role !== 'ca') {
    throw new SkeinError(ErrorCodes.FILE_FORMAT, `${path}: expected one cluster CA certificate`);
  }
  return aboutFile(path, () => buildTrustAnchors([old]).cas[0] ?? old);
}

interface IntermediateOptions { ca: string; name: string; out: string; days: number; namePatterns?: string[]; allowedGroups?: string[]; force?: boolean; json?: boolean }

function caIntermediate(opts: IntermediateOptions): void {
  validateSignerName(opts.name);
  const ca = loadSigner(opts.ca);
  const keyPath = join(opts.out, INTERMEDIATE_KEY_FILE);
  const certPath = join(opts.out, INTERMEDIATE_CERT_FILE);
  refuseExisting([keyPath, certPath], opts);
  const key = generateNodeKey();
  const cert = aboutFile(opts.ca, () => issueIntermediate(ca, {
    publicKey: key.signing.publicKey,
    name: opts.name,
    nowMs: Date.now(),
    days: opts.days,
    constraints: { namePatterns: opts.namePatterns ?? null, groups: opts.allowedGroups ?? null },
  }));
  makeDir(opts.out);
  saveSignerFiles(keyPath, certPath, key, cert, opts);
  const names = cert.constraints?.namePatterns?.join(', ') ?? 'any';
  const groups = cert.constraints?.groups ? (cert.constraints.groups.join(', ') || 'none') : 'any';
  emit(opts, { name: cert.name, keyId: key.idText, key: keyPath, certificate: certPath, namePatterns: cert.constraints?.namePatterns ?? null, groups: cert.constraints?.groups ?? null, notAfter: formatTime(cert.notAfter) }, [
    `intermediate signer '${cert.name}' key ${key.idText}: ${keyPath} (private, mode 0600), ${certPath}`,
    `may certify names: ${names}; groups: ${groups}; valid until ${formatTime(cert.notAfter)}; sign with --ca ${opts.out}`,
  ]);
}

interface SignOptions { ca: string; pub: string; name: string; groups?: string[]; days: number; out: string; force?: boolean; json?: boolean }

function caSign(opts: SignOptions): void {
  validateNodeName(opts.name);
  const signer = loadSigner(opts.ca);
  const publicKey = loadPublicKey(opts.pub);
  refuseExisting([opts.out], opts);
  const cert = aboutFile(opts.ca, () => issueNodeCertificate(signer, {
    publicKey,
    name: opts.name,
    groups: opts.groups ?? [],
    nowMs: Date.now(),
    days: opts.days,
  }));
  const chain = signer.certificate.role === 'intermediate' ? [cert, signer.certificate] : [cert];
  saveCertificates(opts.out, chain, opts);
  const by = signer.certificate.role === 'intermediate' ? `intermediate '${signer.certificate.name}'` : `CA of cluster '${signer.certificate.name}'`;
  const id = nodeIdToText(nodeIdFromPublicKey(publicKey));
  emit(opts, { name: cert.name, id, groups: cert.groups, signedBy: { role: signer.certificate.role, name: signer.certificate.name }, certificate: opts.out, chain: chain.length, notAfter: formatTime(cert.notAfter) }, [
    `signed node '${cert.name}' id ${id}${cert.groups.length ? ` groups ${cert.groups.join(',')}` : ''} by ${by}`,
    `wrote ${opts.out}${chain.length > 1 ? ' (node certificate + intermediate certificate)' : ''}, valid until ${formatTime(cert.notAfter)}`,
  ]);
}

/** A target to revoke: a certificate file (its node key), a public key file, or a node id. */
function fingerprintOf(target: string): { id: Uint8Array; label: string } {
  if (isNodeIdText(target) && !exists(target)) return { id: nodeIdFromText(target), label: target };
  const [first] = readArmorFile(target);
  const id = aboutFile(target, () => {
    if (first?.type === ObjectType.CERTIFICATE) return nodeIdFromPublicKey(decodeCertificate(first.bytes).publicKey);
    if (first?.type === ObjectType.PUBLIC_KEY) return nodeIdFromPublicKey(decodePublicKey(first.bytes));
    throw new SkeinError(ErrorCodes.FILE_FORMAT, 'expected a certificate, a public key or a node id to revoke');
  });
  return { id, label: `${target} (${nodeIdToText(id)})` };
}

function caRevoke(targets: string[], opts: { ca: string; json?: boolean }): void {
  const ca = loadSigner(opts.ca);
  const crlPath = join(opts.ca, CRL_FILE);
  const revoke = targets.map(fingerprintOf);
  let previous: RevocationList | null = null;
  if (exists(crlPath)) {
    const prev = loadRevocationList(crlPath);
    aboutFile(crlPath, () => buildTrustAnchors([ca.certificate], [prev]));
    previous = prev;
  }
  const crl = aboutFile(crlPath, () => issueRevocationList(ca, { previous, revoke: revoke.map((r) => r.id), nowMs: Date.now() }));
  saveRevocationList(crlPath, crl);
  emit(opts, { revoked: revoke.map((r) => nodeIdToText(r.id)), revocationList: crlPath, sequence: crl.sequence, revokedKeys: crl.revoked.length, supersedes: previous?.sequence ?? null }, [
    ...revoke.map((r) => `revoked ${r.label}`),
    `wrote ${crlPath}: revocation list #${crl.sequence}, ${crl.revoked.length} revoked key${crl.revoked.length === 1 ? '' : 's'}${previous ? ` (supersedes #${previous.sequence})` : ''}; give it to every node`,
  ]);
}

export function registerCaCommands(program: Command): void {
  const ca = program.command('ca').description('cluster CA: create, rotate, issue intermediate signers, sign node keys, revoke');
  ca.command('init')
    .description('create a cluster CA: DIR/ca.key (private, 0600) and DIR/ca.crt')
    .option('--name <cluster>', 'cluster name (a DNS label)')
    .requiredOption('--out <dir>', 'directory for ca.key and ca.crt')
    .option('--days <n>', 'validity in days', parseDays, DEFAULT_CA_DAYS)
    .option('--rotate-from <old-ca-dir>', "new CA key for an existing cluster: keeps its cluster id and name (reads only the old ca.crt)")
    .option('--force', 'overwrite existing files')
    .option('--json', 'machine-readable ({cluster, clusterId, prefix, keyId, key, certificate, notAfter, rotated})')
    .action((opts: InitOptions) => caInit(opts));
  ca.command('intermediate')
    .description('issue an intermediate signer, so the CA key can stay offline: DIR/intermediate.key and DIR/intermediate.crt')
    .requiredOption('--ca <dir>', 'CA directory (ca.key, ca.crt)')
    .requiredOption('--name <name>', 'signer name (a DNS label)')
    .requiredOption('--out <dir>', 'directory for the signer; use it later as --ca for ca sign')
    .option('--name-patterns <list>', "only certify node names matching these patterns, e.g. 'web-*,db-*'", parsePatterns)
    .option('--allowed-groups <list>', "only grant these groups ('' for none)", parseGroups)
    .option('--days <n>', 'validity in days', parseDays, DEFAULT_INTERMEDIATE_DAYS)
    .option('--force', 'overwrite existing files')
    .option('--json', 'machine-readable ({name, keyId, key, certificate, namePatterns, groups, notAfter})')
    .action((opts: IntermediateOptions) => caIntermediate(opts));
  ca.command('sign')
    .description("certify a node's public key (the CA never needs the node's private key)")
    .requiredOption('--ca <dir>', 'CA or intermediate signer directory')
    .requiredOption('--pub <file>', "the node's public key (FILE.pub from skein keygen)")
    .requiredOption('--name <name>', 'node name (a DNS label)')
    .option('--groups <list>', 'comma-separated groups', parseGroups)
    .option('--days <n>', 'validity in days', parseDays, DEFAULT_NODE_DAYS)
    .requiredOption('--out <file>', 'certificate file to write')
    .option('--force', 'overwrite an existing certificate')
    .option('--json', 'machine-readable ({name, id, groups, signedBy, certificate, chain, notAfter})')
    .action((opts: SignOptions) => caSign(opts));
  ca.command('revoke')
    .description('revoke node keys: creates or supersedes DIR/revoked.crl')
    .requiredOption('--ca <dir>', 'CA directory (ca.key, ca.crt)')
    .argument('<target...>', 'certificate files, public key files or node ids')
    .option('--json', 'machine-readable ({revoked, revocationList, sequence, revokedKeys, supersedes})')
    .action((targets: string[], opts: { ca: string; json?: boolean }) => caRevoke(targets, opts));
}
