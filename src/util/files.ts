/**
 * File helpers with the guarantees operators expect from a security tool:
 * every write is atomic (temp file in the same directory, fsync, rename), an
 * existing file is never replaced unless the caller says `force`, and secret
 * files are created 0600 and refused at load when group- or world-readable.
 */
import { closeSync, constants, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ErrorCodes, SkeinError } from './errors.js';

export interface WriteOptions {
  /** File mode for a new file; default 0o644. */
  mode?: number;
  /** Replace an existing file. Without it an existing file is an error. */
  force?: boolean;
}

export function writeFileAtomic(path: string, data: string | Uint8Array, opts: WriteOptions = {}): void {
  const mode = opts.mode ?? 0o644;
  if (!opts.force && exists(path)) {
    throw new SkeinError(ErrorCodes.FILE_EXISTS, `${path}: already exists (use --force to overwrite)`);
  }
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.byteLength) off += writeSync(fd, buf, off, buf.byteLength - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    if (!opts.force && exists(path)) {
      throw new SkeinError(ErrorCodes.FILE_EXISTS, `${path}: already exists (use --force to overwrite)`);
    }
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    try { unlinkSync(tmp); } catch { /* already gone */ }
    if (err instanceof SkeinError) throw err;
    throw new SkeinError(ErrorCodes.FILE_FORMAT, `${path}: cannot write: ${(err as Error).message}`, { cause: err });
  }
  // Make the rename durable.
  try {
    const dfd = openSync(dirname(path), 'r');
    try { fsyncSync(dfd); } finally { closeSync(dfd); }
  } catch { /* some filesystems refuse fsync on directories */ }
}

export function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

export function readFileChecked(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new SkeinError(ErrorCodes.FILE_NOT_FOUND, `${path}: no such file`);
    if (e.code === 'EISDIR') throw new SkeinError(ErrorCodes.FILE_FORMAT, `${path}: is a directory, expected a file`);
    throw new SkeinError(ErrorCodes.FILE_FORMAT, `${path}: cannot read: ${e.message}`, { cause: err });
  }
}

/**
 * Read a secret (private key) file, refusing it when group or others can read
 * or write it — like ssh does for identity files.
 */
export function readSecretFile(path: string): Buffer {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new SkeinError(ErrorCodes.FILE_NOT_FOUND, `${path}: no such file`);
  }
  if ((st.mode & 0o077) !== 0) {
    const perms = (st.mode & 0o777).toString(8).padStart(4, '0');
    throw new SkeinError(
      ErrorCodes.FILE_PERMISSIONS,
      `${path}: permissions ${perms} are too open: a private key must not be accessible by group or others (fix with: chmod 600 ${path})`,
    );
  }
  return readFileChecked(path);
}
