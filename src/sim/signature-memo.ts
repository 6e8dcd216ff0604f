/**
 * The simulator's one shortcut, and why it is exact: every virtual node
 * checks the same signed record bytes, so the Ed25519 check of a record is
 * done for real (libsodium) the first time any node sees it, and
 * remembered by signature. A later check hits only when signature, public
 * key and signed body are byte-for-byte the same; anything else (a forged or
 * altered record) is checked for real. Without it a 1,000-node run spends
 * most of its time re-verifying a million identical signatures; with it the
 * run still performs one real verification per distinct record.
 * `skein sim --verify-each` turns it off.
 */
import { bytesEqual, toHex } from '../wire/codec.js';
import { checkRecordSignature, type RecordSignatureCheck } from '../routing/verify-record.js';

interface Verified {
  publicKey: Uint8Array;
  signedBody: Uint8Array;
}

/** Remembered signatures at most; the oldest go first. */
const MAX_ENTRIES = 200_000;

export class SignatureMemo {
  private readonly seen = new Map<string, Verified>();
  realChecks = 0;
  hits = 0;

  readonly check: RecordSignatureCheck = (signature, signedBody, publicKey) => {
    const key = toHex(signature);
    const hit = this.seen.get(key);
    if (hit !== undefined && bytesEqual(hit.publicKey, publicKey) && bytesEqual(hit.signedBody, signedBody)) {
      this.hits++;
      return true;
    }
    this.realChecks++;
    if (!checkRecordSignature(signature, signedBody, publicKey)) return false;
    if (this.seen.size >= MAX_ENTRIES) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    this.seen.set(key, { publicKey, signedBody });
    return true;
  };
}
