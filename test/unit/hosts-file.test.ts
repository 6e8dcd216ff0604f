/**
 * The daemon's block in a hosts file (src/dns/hosts-file.ts): only the lines
 * between its markers ever change, a rewrite with the same members changes
 * nothing, a begin marker without an end marker leaves the file alone, and
 * the file is replaced by a rename of a complete temporary file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beginMarker, endMarker, replaceHostsBlock, updateHostsFile } from '../../src/dns/hosts-file.js';
import { ErrorCodes, SkeinError } from '../../src/util/errors.js';

const OTHER = '127.0.0.1\tlocalhost\n::1 localhost ip6-localhost\n# an operator comment\n10.0.0.5 printer.lan   \n';
const LINES = ['fd00::1 alpha.prod.skein', 'fd00::2 beta.prod.skein'];
const BLOCK = `# BEGIN skein prod\n${LINES.join('\n')}\n# END skein prod\n`;

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'skein-hosts-file-'));
  try { fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

test('the markers name the cluster', () => {
  assert.equal(beginMarker('prod'), '# BEGIN skein prod');
  assert.equal(endMarker('prod'), '# END skein prod');
});

test('a block is appended after the other lines, which stay byte for byte', () => {
  assert.equal(replaceHostsBlock(OTHER, 'prod', LINES), OTHER + BLOCK);
  // A file without a final newline gets one before the block; its last line is otherwise kept.
  assert.equal(replaceHostsBlock('10.0.0.1 a', 'prod', LINES), `10.0.0.1 a\n${BLOCK}`);
  assert.equal(replaceHostsBlock('', 'prod', LINES), BLOCK);
});

test('rewriting is idempotent, and a changed block is replaced where it stands', () => {
  const once = replaceHostsBlock(OTHER, 'prod', LINES);
  assert.equal(replaceHostsBlock(once, 'prod', LINES), once);
  const middle = `a\n${BLOCK}b\n`;
  assert.equal(replaceHostsBlock(middle, 'prod', ['fd00::3 gamma.prod.skein']), 'a\n# BEGIN skein prod\nfd00::3 gamma.prod.skein\n# END skein prod\nb\n');
  assert.equal(replaceHostsBlock(middle, 'prod', []), 'a\n# BEGIN skein prod\n# END skein prod\nb\n');
});

test('removing takes the markers and what is between them, nothing else', () => {
  assert.equal(replaceHostsBlock(`a\n${BLOCK}b\n`, 'prod', undefined), 'a\nb\n');
  assert.equal(replaceHostsBlock(OTHER + BLOCK, 'prod', undefined), OTHER);
  assert.equal(replaceHostsBlock(OTHER, 'prod', undefined), OTHER);
  assert.equal(replaceHostsBlock(BLOCK, 'prod', undefined), '');
});

test('another cluster\'s block and look-alike names are left alone', () => {
  const staging = '# BEGIN skein staging\nfd01::1 a.staging.skein\n# END skein staging\n';
  const prod2 = '# BEGIN skein prod2\nfd02::1 a.prod2.skein\n# END skein prod2\n';
  const text = staging + prod2 + BLOCK;
  assert.equal(replaceHostsBlock(text, 'prod', undefined), staging + prod2);
  assert.equal(replaceHostsBlock(staging + prod2, 'prod', LINES), staging + prod2 + BLOCK);
});

test('a block pasted from `skein hosts` (bare end marker) is taken over; duplicates collapse into the first', () => {
  const pasted = 'a\n# BEGIN skein prod\nfd00::9 old.prod.skein\n# END skein\nb\n';
  assert.equal(replaceHostsBlock(pasted, 'prod', LINES), `a\n${BLOCK}b\n`);
  assert.equal(replaceHostsBlock(`${BLOCK}x\n${BLOCK}`, 'prod', LINES), `${BLOCK}x\n`);
});

test('a begin marker without an end marker is refused, naming the file and line', () => {
  const broken = `${OTHER}# BEGIN skein prod\nfd00::1 alpha.prod.skein\n10.0.0.7 later.lan\n`;
  for (const lines of [LINES, undefined]) {
    assert.throws(() => replaceHostsBlock(broken, 'prod', lines, '/etc/hosts'), (e: unknown) =>
      e instanceof SkeinError && e.code === ErrorCodes.FILE_FORMAT && /^\/etc\/hosts: line 5: '# BEGIN skein prod' has no '# END skein prod'/.test(e.message));
  }
});

test('updateHostsFile: writes through a temporary file and a rename, keeps the mode, leaves no temporary file', () => {
  withDir((dir) => {
    const path = join(dir, 'hosts');
    writeFileSync(path, OTHER);
    chmodSync(path, 0o640);
    const inodeBefore = statSync(path).ino;
    assert.equal(updateHostsFile(path, 'prod', LINES), true);
    assert.equal(readFileSync(path, 'utf8'), OTHER + BLOCK);
    // A rename puts a new inode in place: readers saw the old file or the new one.
    assert.notEqual(statSync(path).ino, inodeBefore);
    assert.equal(statSync(path).mode & 0o777, 0o640);
    assert.deepEqual(readdirSync(dir), ['hosts']);
    // Nothing to change: the file is not touched at all.
    const inodeAfter = statSync(path).ino;
    assert.equal(updateHostsFile(path, 'prod', LINES), false);
    assert.equal(statSync(path).ino, inodeAfter);
    assert.equal(updateHostsFile(path, 'prod', undefined), true);
    assert.equal(readFileSync(path, 'utf8'), OTHER);
  });
});

test('updateHostsFile: a missing file is created for a block and left missing for a removal; a broken block is not rewritten', () => {
  withDir((dir) => {
    const path = join(dir, 'hosts');
    assert.equal(updateHostsFile(path, 'prod', undefined), false);
    assert.deepEqual(readdirSync(dir), []);
    assert.equal(updateHostsFile(path, 'prod', LINES), true);
    assert.equal(readFileSync(path, 'utf8'), BLOCK);
    const broken = `${OTHER}# BEGIN skein prod\n`;
    writeFileSync(path, broken);
    assert.throws(() => updateHostsFile(path, 'prod', LINES), /has no '# END skein prod'/);
    assert.equal(readFileSync(path, 'utf8'), broken);
    assert.deepEqual(readdirSync(dir), ['hosts']);
  });
});
