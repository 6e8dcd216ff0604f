/**
 * `skein init`: everything a node needs in one directory, in one step —
 * a fresh key, a certificate for it signed by the given CA (or intermediate),
 * the trusted CA certificate, and a config whose admin socket lives inside
 * the directory (so many nodes on one machine never clash).
 *
 * Or, for a CA kept offline (keygen here, the .pub sent to the CA, the .crt
 * sent back), the same directory from a key and certificate made elsewhere:
 * initNodeDirFromFiles checks that the certificate certifies that key and
 * verifies against the trusted CA before writing anything.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateNodeKey, issueNodeCertificate, validateNodeName, verifyNodeChain } from '../identity/index.js';
import { aboutFile, CA_CERT_FILE, loadCertificates, loadChain, loadNodeKey, loadSigner, loadTrustAnchors, refuseExisting, saveCertificates, saveKeyPair } from '../identity/files.js';
import { exists, writeFileAtomic } from '../util/files.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { DEFAULT_ADMIN_SOCKET, DEFAULT_LINK_PORT, renderConfig, type ConfigTuning } from './config.js';

export const NODE_KEY_FILE = 'node.key';
export const NODE_CERT_FILE = 'node.crt';
export const NODE_CA_FILE = 'ca.crt';
export const NODE_CONFIG_FILE = 'skein.toml';
export const DEFAULT_NODE_DAYS = 365;

export interface InitRequest {
  /** CA directory (ca.key + ca.crt) or intermediate signer directory. */
  caDir: string;
  /** Trusted CA certificate file; default CADIR/ca.crt (needed explicitly for an intermediate signer). */
  trust?: string;
  name: string;
  out: string;
  groups?: string[];
  days?: number;
  port?: number;
  force?: boolean;
  nowMs: number;
  /** Timers and log level written into the config (defaults otherwise). */
  tuning?: ConfigTuning;
}

export interface InitResult {
  idText: string;
  dir: string;
  config: string;
  files: string[];
}

export function initNodeDir(req: InitRequest): InitResult {
  validateNodeName(req.name);
  const dir = resolve(req.out);
  const signer = loadSigner(req.caDir);
  const trustFile = req.trust ?? join(req.caDir, CA_CERT_FILE);
  if (!exists(trustFile)) {
    throw new SkeinError(ErrorCodes.FILE_NOT_FOUND, `${trustFile}: no such file (with an intermediate signer, name the cluster CA certificate with --trust FILE)`);
  }
  const trusted = loadCertificates(trustFile);
  if (!trusted.some((c) => c.role === 'ca')) throw new SkeinError(ErrorCodes.FILE_FORMAT, `${trustFile}: holds no cluster CA certificate`);

  const keyPath = join(dir, NODE_KEY_FILE);
  const certPath = join(dir, NODE_CERT_FILE);
  const caPath = join(dir, NODE_CA_FILE);
  const configPath = join(dir, NODE_CONFIG_FILE);
  const files = [keyPath, `${keyPath}.pub`, certPath, caPath, configPath];
  refuseExisting(files, { force: req.force ?? false });
  mkdirSync(dir, { recursive: true, mode: 0o700 });

  const key = generateNodeKey();
  const cert = aboutFile(req.caDir, () =>
    issueNodeCertificate(signer, { publicKey: key.signing.publicKey, name: req.name, groups: req.groups ?? [], nowMs: req.nowMs, days: req.days ?? DEFAULT_NODE_DAYS }),
  );
  const chain = signer.certificate.role === 'intermediate' ? [cert, signer.certificate] : [cert];
  const force = req.force ?? false;
  saveKeyPair(keyPath, key, { force });
  saveCertificates(certPath, chain, { force });
  if (resolve(trustFile) !== caPath) copyFileSync(trustFile, caPath);
  writeFileAtomic(
    configPath,
    renderConfig({ name: req.name, key: NODE_KEY_FILE, certificate: NODE_CERT_FILE, ca: [NODE_CA_FILE], port: req.port ?? DEFAULT_LINK_PORT, socket: DEFAULT_ADMIN_SOCKET, ...(req.tuning ? { tuning: req.tuning } : {}) }),
    { mode: 0o600, force },
  );
  return { idText: key.idText, dir, config: configPath, files };
}

export interface InitFromFilesRequest {
  /** The node's private key (from `skein keygen`). */
  key: string;
  /** Its certificate (with the intermediate's, if any), as the CA sent it back. */
  cert: string;
  /** The cluster CA certificate to trust. */
  trust: string;
  out: string;
  port?: number;
  force?: boolean;
  nowMs: number;
}

/** A node directory from a key and certificate made elsewhere; refuses a pair that does not match or does not verify. */
export function initNodeDirFromFiles(req: InitFromFilesRequest): InitResult & { name: string } {
  const key = loadNodeKey(req.key);
  const chain = loadChain(req.cert);
  const anchors = loadTrustAnchors([req.trust]);
  let name: string;
  let certified: string;
  try {
    const self = verifyNodeChain(chain, anchors, req.nowMs);
    name = self.name;
    certified = self.idText;
  } catch (err) {
    if (err instanceof SkeinError) throw new SkeinError(err.code, `${req.cert}: does not verify against ${req.trust}: ${err.message}`);
    throw err;
  }
  if (certified !== key.idText) {
    throw new SkeinError(ErrorCodes.CONFIG, `${req.cert}: certifies key ${certified}, but ${req.key} holds key ${key.idText} (was the certificate signed for another node's .pub?)`);
  }
  const dir = resolve(req.out);
  const keyPath = join(dir, NODE_KEY_FILE);
  const certPath = join(dir, NODE_CERT_FILE);
  const caPath = join(dir, NODE_CA_FILE);
  const configPath = join(dir, NODE_CONFIG_FILE);
  const files = [keyPath, `${keyPath}.pub`, certPath, caPath, configPath];
  const force = req.force ?? false;
  const copies = (from: string, to: string) => resolve(from) === to;
  // A key already in place (keygen wrote it into DIR) stays, with its .pub.
  const keyInPlace = copies(req.key, keyPath);
  refuseExisting(files.filter((f) => !((f === keyPath || f === `${keyPath}.pub`) && keyInPlace) && !(f === certPath && copies(req.cert, f)) && !(f === caPath && copies(req.trust, f))), { force });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  saveKeyPair(keyPath, key, { force: force || keyInPlace });
  if (!copies(req.cert, certPath)) saveCertificates(certPath, loadCertificates(req.cert), { force });
  if (!copies(req.trust, caPath)) copyFileSync(req.trust, caPath);
  writeFileAtomic(configPath, renderConfig({ name, key: NODE_KEY_FILE, certificate: NODE_CERT_FILE, ca: [NODE_CA_FILE], port: req.port ?? DEFAULT_LINK_PORT, socket: DEFAULT_ADMIN_SOCKET }), { mode: 0o600, force });
  return { idText: key.idText, dir, config: configPath, files, name };
}
