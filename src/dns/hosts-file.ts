/**
 * The members' names in a hosts file (`[dns] hosts_file = true`), for
 * machines whose resolver does not ask the node's DNS responder. The daemon
 * owns one block, between two marker lines, and nothing else:
 *
 *   # BEGIN skein prod
 *   fd12:3456:789a:11:2233:4455:6677:8899 alpha.prod.skein
 *   # END skein prod
 *
 * Every line outside the markers stays as it was, byte for byte. A bare
 * `# END skein` (what `skein hosts` prints) also ends a block, so a block
 * pasted by hand is taken over rather than duplicated. A begin marker
 * without an end marker leaves the file alone: guessing where the block
 * ends could delete the operator's lines.
 *
 * Written atomically: a temporary file beside it, fsync, rename; a reader
 * sees the old file or the new one, never half of one. Where a rename cannot
 * replace the file (a bind-mounted /etc/hosts in a container, a directory we
 * may not write), the new text is written into the file in place instead.
 */
import { closeSync, constants, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { ErrorCodes, SkeinError } from '../util/errors.js';

export const beginMarker = (cluster: string): string => `# BEGIN skein ${cluster}`;
export const endMarker = (cluster: string): string => `# END skein ${cluster}`;
/** The end marker `skein hosts` prints (hosts.ts). */
const BARE_END_MARKER = '# END skein';
/** Errors after which the file is written in place rather than replaced by a rename. */
const IN_PLACE_AFTER = new Set(['EBUSY', 'EXDEV', 'EACCES', 'EPERM', 'EROFS']);

/**
 * `text` with this cluster's block set to `lines` (undefined: the block
 * removed). Every block of the cluster is replaced by one, where the first
 * was; without one, the block is appended. Throws SkeinError(FILE_FORMAT)
 * when a begin marker has no end marker.
 */
export function replaceHostsBlock(text: string, cluster: string, lines: readonly string[] | undefined, file = 'hosts file'): string {
  const begin = beginMarker(cluster);
  const end = endMarker(cluster);
  const all = text.split('\n');
  // A file ending in a newline splits into a last empty string: not a line.
  const trailingNewline = all.length > 0 && all[all.length - 1] === '';
  const source = trailingNewline ? all.slice(0, -1) : all;
  const kept: string[] = [];
  let insertAt: number | undefined;
  for (let i = 0; i < source.length; i++) {
    if (source[i]!.trimEnd() !== begin) {
      kept.push(source[i]!);
      continue;
    }
    let j = i + 1;
    while (j < source.length && source[j]!.trimEnd() !== end && source[j]!.trimEnd() !== BARE_END_MARKER) j++;
    if (j >= source.length) {
      throw new SkeinError(ErrorCodes.FILE_FORMAT, `${file}: line ${i + 1}: '${begin}' has no '${end}' after it; the file is left as it is (add the end marker or remove the block)`);
    }
    insertAt ??= kept.length;
    i = j;
  }
  if (lines === undefined && insertAt === undefined) return text;
  const block = lines === undefined ? [] : [begin, ...lines, end];
  const at = insertAt ?? kept.length;
  const out = [...kept.slice(0, at), ...block, ...kept.slice(at)];
  if (out.length === 0) return '';
  // An appended block ends in a newline even when the file did not.
  return `${out.join('\n')}${trailingNewline || insertAt === undefined ? '\n' : ''}`;
}

/**
 * Set (or, with undefined, remove) the cluster's block in the file at
 * `path`. Returns whether the file changed. A missing file is created when
 * there is a block to write. Throws SkeinError naming the file.
 */
export function updateHostsFile(path: string, cluster: string, lines: readonly string[] | undefined): boolean {
  let text = '';
  let mode = 0o644;
  try {
    text = readFileSync(path, 'utf8');
    mode = statSync(path).mode & 0o7777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new SkeinError(ErrorCodes.FILE_FORMAT, `${path}: cannot read: ${(err as Error).message}`);
    if (lines === undefined) return false;
  }
  const next = replaceHostsBlock(text, cluster, lines, path);
  if (next === text) return false;
  writeReplacing(path, next, mode);
  return true;
}

function writeAll(fd: number, data: Buffer): void {
  let off = 0;
  while (off < data.byteLength) off += writeSync(fd, data, off, data.byteLength - off);
}

function writeReplacing(path: string, text: string, mode: number): void {
  const data = Buffer.from(text, 'utf8');
  const tmp = join(dirname(path), `.${basename(path)}.skein-${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
    writeAll(fd, data);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    try { unlinkSync(tmp); } catch { /* never created, or renamed */ }
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (!IN_PLACE_AFTER.has(code)) throw new SkeinError(ErrorCodes.FILE_FORMAT, `${path}: cannot write: ${(err as Error).message}`, { cause: err });
    writeInPlace(path, data, err as Error);
  }
}

function writeInPlace(path: string, data: Buffer, renameError: Error): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_TRUNC);
    writeAll(fd, data);
    fsyncSync(fd);
  } catch (err) {
    throw new SkeinError(ErrorCodes.FILE_FORMAT, `${path}: cannot write: ${renameError.message}; nor in place: ${(err as Error).message}`, { cause: err });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
