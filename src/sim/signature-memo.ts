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
import { checkRecordSignature, type RecordSignatureCheck } from '../routing/verify-record.js';

interface Verified {
  signature: Uint8Array;
  publicKey: Uint8Array;
  signedBody: Uint8Array;
}

/** Signature bytes used as the map key; equality of everything is checked on a hit. */
const KEY_BYTES = 16;

const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/** Remembered signatures at most; the oldest go first. */
const MAX_ENTRIES = 200_000;

export class SignatureMemo {
  private readonly seen = new Map<string, Verified>();
  realChecks = 0;
  hits = 0;

  readonly check: RecordSignatureCheck = (signature, signedBody, publicKey) => {
    const key = buf(signature).toString('hex', 0, KEY_BYTES);
    const hit = this.seen.get(key);
    if (hit !== undefined && buf(hit.signature).equals(signature) && buf(hit.publicKey).equals(publicKey) && buf(hit.signedBody).equals(signedBody)) {
      this.hits++;
      return true;
    }
    this.realChecks++;
    if (!checkRecordSignature(signature, signedBody, publicKey)) return false;
    if (this.seen.size >= MAX_ENTRIES) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    this.seen.set(key, { signature: signature.slice(), publicKey, signedBody: signedBody.slice() });
    return true;
  };
}
