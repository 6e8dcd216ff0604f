/** Deterministic keys and certificates for the identity tests (not a test file itself). */
import {
  type Certificate,
  type NodeKey,
  type Signer,
  type SignerConstraints,
  buildTrustAnchors,
  createCa,
  encodeChain,
  generateNodeKey,
  issueIntermediate,
  issueNodeCertificate,
} from '../../src/identity/index.js';
import { SeededRandom } from '../../src/util/random.js';

export const NOW = 1_700_000_000_000;
export const DAY_MS = 86_400_000;

export function keyFromSeed(n: number): NodeKey {
  return generateNodeKey(new SeededRandom(n));
}

export function makeCa(name = 'lab', seed = 1, rotateFrom?: Certificate): Signer {
  const key = keyFromSeed(seed);
  const certificate = createCa({ key, name, nowMs: NOW, ...(rotateFrom ? { rotateFrom } : {}) });
  return { key, certificate };
}

export function makeIntermediate(ca: Signer, seed: number, constraints?: Partial<SignerConstraints>, name = 'edge-signer'): Signer {
  const key = keyFromSeed(seed);
  const certificate = issueIntermediate(ca, { publicKey: key.signing.publicKey, name, nowMs: NOW, days: 365, ...(constraints ? { constraints } : {}) });
  return { key, certificate };
}

export interface NodeFixture {
  key: NodeKey;
  cert: Certificate;
  chain: Certificate[];
  chainBytes: Uint8Array;
}

export function makeNode(
  signer: Signer,
  seed: number,
  name = 'web1',
  opts: { groups?: string[]; days?: number; notBeforeMs?: number; nowMs?: number } = {},
): NodeFixture {
  const key = keyFromSeed(seed);
  const cert = issueNodeCertificate(signer, {
    publicKey: key.signing.publicKey,
    name,
    nowMs: opts.nowMs ?? NOW,
    days: opts.days ?? 30,
    ...(opts.groups ? { groups: opts.groups } : {}),
    ...(opts.notBeforeMs !== undefined ? { notBeforeMs: opts.notBeforeMs } : {}),
  });
  const chain = signer.certificate.role === 'intermediate' ? [cert, signer.certificate] : [cert];
  return { key, cert, chain, chainBytes: encodeChain(chain) };
}

export function trustOf(...cas: Signer[]) {
  return buildTrustAnchors(cas.map((c) => c.certificate));
}

/** Deep copy with every Buffer turned into a plain Uint8Array, so deepEqual compares bytes, not classes. */
export function plain<T>(value: T): T {
  if (value instanceof Uint8Array) return Uint8Array.from(value) as T;
  if (Array.isArray(value)) return value.map(plain) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)])) as T;
  }
  return value;
}
