/**
 * The one trust store of a node: the trusted CAs and the newest revocation
 * list from each of them. Every consumer (link handshakes and re-checks,
 * the session responder, routing record checks, names, status) reads the
 * store's current anchors; nobody keeps a copy of their own.
 *
 * The store only ever moves forward: a list is superseded by a newer one
 * from the same CA, and dropped only when its CA stops being trusted. Every
 * change is reported to the listeners, which re-check
 * whatever they hold (links, sessions, stored records) at once.
 *
 * Pure: no files, no clock. The daemon persists learned lists (see
 * node/revocation-files.ts) and passes times in.
 */
import { bytesEqual } from '../codec/codec.js';
import { ErrorCodes, SkeinError, type ErrorCode } from '../util/errors.js';
import { MS_PER_SECOND } from './constants.js';
import { nodeIdFromPublicKey, nodeIdToText } from './node-id.js';
import type { RevocationList } from './revocation.js';
import { type TrustAnchors, addRevocationList, buildTrustAnchors } from './trust.js';
import { formatTime } from './time.js';
import type { Certificate } from './certificate.js';

/** What a verified chain stands on: every key in it, and the end of its validity. */
export interface ChainStanding {
  /** Key ids (hex) of the chain, node first, then the intermediate (if any), the CA last. */
  keyIds: readonly string[];
  /** Milliseconds since the epoch at which the first certificate of the chain (CA included) expires. */
  notAfterMs: number;
}

/** Why a chain that verified before no longer does. */
export interface TrustLoss {
  code: ErrorCode;
  reason: string;
}

export type TrustChange =
  | { kind: 'list'; issuer: string; sequence: number; list: RevocationList }
  | { kind: 'anchors'; droppedCas: string[]; addedCas: string[] };

export type TrustListener = (change: TrustChange) => void;

export class TrustStore {
  private current: TrustAnchors;
  private revoked = new Map<string, RevocationList>();
  private caIds = new Set<string>();
  private readonly listeners: TrustListener[] = [];

  constructor(anchors: TrustAnchors) {
    this.current = anchors;
    this.index();
  }

  get anchors(): TrustAnchors {
    return this.current;
  }

  get clusterId(): Uint8Array {
    return this.current.clusterId;
  }

  onChange(listener: TrustListener): void {
    this.listeners.push(listener);
  }

  isRevoked(keyId: string): boolean {
    return this.revoked.has(keyId);
  }

  isTrustedCa(keyId: string): boolean {
    return this.caIds.has(keyId);
  }

  /**
   * Checks a list (issuer trusted, cluster, signature) without installing it.
   * Returns whether it is newer than the one held from its CA; throws a
   * SkeinError when it is not trustworthy.
   */
  isNewer(crl: RevocationList): boolean {
    return addRevocationList(this.current, crl) !== this.current;
  }

  /** Installs a list that is newer than the one held from its CA; returns false (and changes nothing) otherwise. */
  addList(crl: RevocationList): boolean {
    const next = addRevocationList(this.current, crl);
    if (next === this.current) return false;
    this.current = next;
    this.index();
    this.changed({ kind: 'list', issuer: nodeIdToText(crl.issuerKeyId), sequence: crl.sequence, list: crl });
    return true;
  }

  /**
   * What a reload would trust: the configured CAs replace the trusted set,
   * and the lists are the newest per CA among those held and those given
   * (lists of CAs no longer trusted are dropped). Changes nothing; throws
   * when the new set is unusable.
   */
  withCas(cas: readonly Certificate[], lists: readonly RevocationList[]): TrustAnchors {
    const fresh = buildTrustAnchors(cas);
    if (!bytesEqual(fresh.clusterId, this.current.clusterId)) {
      throw new SkeinError(ErrorCodes.CERT_WRONG_CLUSTER, 'the new CA certificates belong to another cluster');
    }
    let next = fresh;
    for (const crl of [...this.current.revocations, ...lists]) {
      if (fresh.cas.some((ca) => bytesEqual(nodeIdFromPublicKey(ca.publicKey), crl.issuerKeyId))) next = addRevocationList(next, crl);
    }
    return next;
  }

  /** Installs anchors made by `withCas`; returns the change, or undefined when nothing changed. */
  replace(next: TrustAnchors): TrustChange | undefined {
    const before = this.caIds;
    const after = new Set(next.cas.map((ca) => nodeIdToText(nodeIdFromPublicKey(ca.publicKey))));
    const droppedCas = [...before].filter((id) => !after.has(id));
    const addedCas = [...after].filter((id) => !before.has(id));
    const held = this.current.revocations;
    const sameLists = next.revocations.length === held.length &&
      next.revocations.every((l) => held.some((h) => bytesEqual(h.issuerKeyId, l.issuerKeyId) && h.sequence === l.sequence));
    this.current = next;
    this.index();
    if (droppedCas.length === 0 && addedCas.length === 0 && sameLists) return undefined;
    const change: TrustChange = { kind: 'anchors', droppedCas, addedCas };
    this.changed(change);
    return change;
  }

  /**
   * Whether a chain that verified earlier still stands now: every key in it
   * unrevoked, its CA still trusted, no certificate of it expired. The
   * signatures do not change, so this is the whole re-verification.
   */
  check(chain: ChainStanding, nowMs: number): TrustLoss | undefined {
    const ca = chain.keyIds[chain.keyIds.length - 1];
    if (ca === undefined || !this.caIds.has(ca)) {
      return { code: ErrorCodes.CERT_UNKNOWN_ISSUER, reason: `its CA ${ca ?? '(none)'} is no longer trusted` };
    }
    for (const [i, keyId] of chain.keyIds.entries()) {
      const list = this.revoked.get(keyId);
      if (list !== undefined) {
        const role = i === 0 ? 'its key' : i === chain.keyIds.length - 1 ? 'its CA' : 'its intermediate signer';
        return { code: ErrorCodes.CERT_REVOKED, reason: `${role} ${keyId} is revoked by revocation list #${list.sequence} of CA ${nodeIdToText(list.issuerKeyId)}` };
      }
    }
    if (nowMs > chain.notAfterMs) {
      return { code: ErrorCodes.CERT_EXPIRED, reason: `a certificate of its chain expired at ${formatTime(Math.floor(chain.notAfterMs / MS_PER_SECOND))}` };
    }
    return undefined;
  }

  private index(): void {
    this.caIds = new Set(this.current.cas.map((ca) => nodeIdToText(nodeIdFromPublicKey(ca.publicKey))));
    const revoked = new Map<string, RevocationList>();
    for (const crl of this.current.revocations) {
      for (const keyId of crl.revoked) revoked.set(nodeIdToText(keyId), crl);
    }
    this.revoked = revoked;
  }

  private changed(change: TrustChange): void {
    for (const l of this.listeners) l(change);
  }
}

