/**
 * Revocation lists a node has installed, kept in its state directory so
 * that neither a reload nor a restart forgets them: `revocations/` beside
 * `skein.seq`, one file per CA (`<CA key id>.crl`, the newest list seen from
 * it), each written atomically. Files are never deleted: a list whose CA is
 * no longer trusted is simply not used, and counts again if its CA returns.
 *
 * A file that cannot be read or decoded stops the node at start: a
 * revocation silently lost would trust a key the operator revoked.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { nodeIdToText, type RevocationList } from '../identity/index.js';
import { loadRevocationList, saveRevocationList } from '../identity/files.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';

export const REVOCATIONS_DIR = 'revocations';
const LIST_SUFFIX = '.crl';
/** One file per CA; a cluster trusts a handful of CAs at most, so this bounds a damaged directory. */
export const MAX_STORED_LISTS = 64;

export class RevocationFiles {
  readonly dir: string;

  constructor(stateDir: string) {
    this.dir = join(stateDir, REVOCATIONS_DIR);
  }

  /** Every stored list with its file (none when the directory does not exist). Throws SkeinError naming the file. */
  load(): Array<{ path: string; list: RevocationList }> {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => n.endsWith(LIST_SUFFIX)).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new SkeinError(ErrorCodes.FILE_FORMAT, `${this.dir}: cannot read the stored revocation lists: ${(err as Error).message}`);
    }
    if (names.length > MAX_STORED_LISTS) {
      throw new SkeinError(ErrorCodes.FILE_FORMAT, `${this.dir}: ${names.length} stored revocation lists, more than the ${MAX_STORED_LISTS} a node keeps`);
    }
    return names.map((n) => ({ path: join(this.dir, n), list: loadRevocationList(join(this.dir, n)) }));
  }

  /** Writes (or replaces) the stored list of the list's CA. Throws SkeinError naming the file. */
  save(crl: RevocationList): string {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o755 });
    } catch (err) {
      throw new SkeinError(ErrorCodes.FILE_FORMAT, `${this.dir}: cannot create: ${(err as Error).message}`);
    }
    const path = join(this.dir, `${nodeIdToText(crl.issuerKeyId)}${LIST_SUFFIX}`);
    saveRevocationList(path, crl);
    return path;
  }
}
