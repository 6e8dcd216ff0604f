/**
 * How the nodes of a lab mesh are certified. By default the lab's cluster
 * CA certifies each node under its lab name when the mesh is made. A plan
 * may add intermediate signers (issued by the CA into the lab directory)
 * and choose, per node, which signer certifies it, the name its certificate
 * carries and when it was issued: what tests of trust under change build
 * on (a node below an intermediate whose revocation must end it; one name
 * certified twice, where the newer certificate holds it).
 *
 *   <lab>/ca/                     ca.key, ca.crt (the cluster CA)
 *   <lab>/signers/<signer>/       intermediate.key, intermediate.crt
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_INTERMEDIATE_DAYS, generateNodeKey, issueIntermediate, validateSignerName } from '../identity/index.js';
import { CA_CERT_FILE, INTERMEDIATE_CERT_FILE, INTERMEDIATE_KEY_FILE, loadSigner, saveSignerFiles } from '../identity/files.js';
import type { InitRequest } from '../node/init.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';

export const MESH_SIGNERS_DIR = 'signers';

/** An intermediate signer the lab's CA issues. */
export interface LabSigner {
  /** It may certify only names matching these patterns (e.g. `web*`); default: any name. */
  namePatterns?: string[];
}

/** How one node is certified; every field defaults to the CA, the node's lab name, the mesh's creation time. */
export interface NodeCertification {
  /** The name its certificate carries; several nodes may be given one (as after a CA's mistake). */
  name?: string;
  /** A signer of the plan's `signers` that certifies it instead of the CA. */
  signer?: string;
  /** When its certificate is issued (ms since the epoch); its notBefore follows from it. */
  issuedAtMs?: number;
  /** Groups its certificate carries (firewall rules match them). */
  groups?: string[];
}

export interface CertificationPlan {
  /** Intermediate signers by name. */
  signers?: Record<string, LabSigner>;
  /** Per lab node (n1 …). */
  certify?: Record<string, NodeCertification>;
}

export function signerDir(labDir: string, signer: string): string {
  return join(labDir, MESH_SIGNERS_DIR, signer);
}

/** The certificate file of a lab signer: what `skein ca revoke` takes to revoke it. */
export function signerCertificatePath(labDir: string, signer: string): string {
  return join(signerDir(labDir, signer), INTERMEDIATE_CERT_FILE);
}

/** Refuses a plan naming nodes the lab does not have or signers it does not define, before anything is written. */
export function checkCertificationPlan(plan: CertificationPlan, nodes: readonly string[]): void {
  const signers = Object.keys(plan.signers ?? {});
  for (const s of signers) validateSignerName(s);
  for (const [node, how] of Object.entries(plan.certify ?? {})) {
    if (!nodes.includes(node)) throw new SkeinError(ErrorCodes.USAGE, `certification plan: the lab has no node '${node}' (it has ${nodes.join(', ')})`);
    if (how.signer !== undefined && !signers.includes(how.signer)) {
      throw new SkeinError(ErrorCodes.USAGE, `certification plan: node '${node}' names signer '${how.signer}', which the plan does not define (signers: ${signers.join(', ') || 'none'})`);
    }
  }
}

/** The CA issues every signer of the plan into <lab>/signers/<name>/. */
export function issueLabSigners(labDir: string, caDir: string, plan: CertificationPlan, nowMs: number): void {
  const ca = loadSigner(caDir);
  for (const [name, spec] of Object.entries(plan.signers ?? {})) {
    const key = generateNodeKey();
    const cert = issueIntermediate(ca, {
      publicKey: key.signing.publicKey, name, nowMs, days: DEFAULT_INTERMEDIATE_DAYS,
      constraints: { namePatterns: spec.namePatterns ?? null, groups: null },
    });
    const dir = signerDir(labDir, name);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    saveSignerFiles(join(dir, INTERMEDIATE_KEY_FILE), join(dir, INTERMEDIATE_CERT_FILE), key, cert, { force: true });
  }
}

/** What `initNodeDir` is given for one lab node under the plan. */
export function certificationOf(
  node: string, plan: CertificationPlan, dirs: { lab: string; ca: string }, nowMs: number,
): Pick<InitRequest, 'caDir' | 'trust' | 'name' | 'nowMs' | 'groups'> {
  const how = plan.certify?.[node] ?? {};
  const name = how.name ?? node;
  const issuedAt = how.issuedAtMs ?? nowMs;
  const groups = how.groups ? { groups: how.groups } : {};
  if (how.signer === undefined) return { caDir: dirs.ca, name, nowMs: issuedAt, ...groups };
  return { caDir: signerDir(dirs.lab, how.signer), trust: join(dirs.ca, CA_CERT_FILE), name, nowMs: issuedAt, ...groups };
}
