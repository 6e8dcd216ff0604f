/**
 * Every check a record passes before it is stored or forwarded, cheapest
 * first: structure (decode), lifetime and issue time, the certificate chain
 * (cached by chain hash), the origin id against the certified key,
 * revocation of any key in the chain, and last the Ed25519 signature.
 * Throws SkeinError with a stable code; returns what the database stores.
 */
import { verify } from '../crypto/primitives.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { decodeRecord, recordSignatureMessage } from '../wire/routing-record.js';
import type { StoredRecord } from './database.js';
import type { RoutingOptions } from './options.js';
import type { ChainVerifier, RevocationStore } from './trust.js';

/** Checks an origin's signature over a record body (the domain prefix is added inside). */
export type RecordSignatureCheck = (signature: Uint8Array, signedBody: Uint8Array, publicKey: Uint8Array) => boolean;

export const checkRecordSignature: RecordSignatureCheck = (signature, signedBody, publicKey) =>
  verify(signature, recordSignatureMessage(signedBody), publicKey);

export interface RecordCheckers {
  chains: ChainVerifier;
  revocations: RevocationStore;
  signature: RecordSignatureCheck;
  /** One shared string per node id, so a million stored neighbour ids are a thousand strings. */
  internId(id: string): string;
}

/** `arrivalTokens`: the origin's record budget left once this record is stored (receive.ts). */
export function verifyRecord(bytes: Uint8Array, nowMs: number, checkers: RecordCheckers, opts: RoutingOptions, arrivalTokens: number): StoredRecord {
  const { chains, revocations } = checkers;
  const rec = decodeRecord(bytes);
  const who = (): string => `record #${rec.sequence} of ${rec.origin}`;
  if (rec.lifetimeMs < opts.minLifetimeMs || rec.lifetimeMs > opts.maxLifetimeMs) {
    throw new SkeinError(ErrorCodes.ROUTING_LIMIT, `${who()}: lifetime ${rec.lifetimeMs} ms outside [${opts.minLifetimeMs}, ${opts.maxLifetimeMs}]`);
  }
  if (rec.issuedAtMs > nowMs + opts.maxClockSkewMs) {
    throw new SkeinError(ErrorCodes.ROUTING_EXPIRED, `${who()}: issued ${rec.issuedAtMs - nowMs} ms in the future`);
  }
  if (rec.issuedAtMs + rec.lifetimeMs <= nowMs) throw new SkeinError(ErrorCodes.ROUTING_EXPIRED, `${who()}: lifetime ended`);
  const origin = chains.verifyChain(rec.chain, nowMs);
  if (origin.idText !== rec.origin) {
    throw new SkeinError(ErrorCodes.ROUTING_ORIGIN_MISMATCH, `${who()}: the certificate is for ${origin.idText} ('${origin.name}')`);
  }
  const revoked = origin.keyIds.find((k) => revocations.isRevoked(k));
  if (revoked !== undefined) throw new SkeinError(ErrorCodes.CERT_REVOKED, `${who()}: key ${revoked} of its chain is revoked`);
  if (!checkers.signature(rec.signature, rec.signedBody, origin.publicKey)) {
    throw new SkeinError(ErrorCodes.ROUTING_BAD_SIGNATURE, `${who()}: bad signature`);
  }
  return {
    origin: checkers.internId(rec.origin),
    name: origin.name,
    sequence: rec.sequence,
    issuedAtMs: rec.issuedAtMs,
    expiresAtMs: Math.min(rec.issuedAtMs + rec.lifetimeMs, origin.notAfterMs),
    neighbourIds: rec.neighbours.map((n) => checkers.internId(n.id)),
    neighbourCosts: rec.neighbours.map((n) => n.cost),
    bytes: rec.bytes.slice(),
    keyIds: origin.keyIds,
    receivedAtMs: nowMs,
    arrivalTokens,
  };
}
