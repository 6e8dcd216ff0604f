/**
 * Every relative link in README.md and docs/*.md points at a file that
 * exists, and every #anchor at a heading of its target (GitHub's heading
 * ids), so moving or renaming a page or a heading cannot leave a dead link.
 * Source paths named in code spans (`src/node/config.ts`) must exist too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../..');
const DOCS = [join(ROOT, 'README.md'), ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(ROOT, 'docs', f))];

/** Fenced code blocks and inline code hold examples, not links. */
function withoutCode(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's id for a heading: lowercase, punctuation dropped, spaces to hyphens; repeats get -1, -2, … */
export function headingIds(markdown: string): Set<string> {
  const ids = new Set<string>();
  const seen = new Map<string, number>();
  const text = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const m of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').trim().replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    ids.add(n === 0 ? base : `${base}-${n}`);
  }
  return ids;
}

function links(markdown: string): string[] {
  return [...withoutCode(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!);
}

test('heading ids follow GitHub: punctuation dropped, repeats numbered', () => {
  const ids = headingIds('# Addon or FFI: measured\n## One name, one member\n## Configuration (`skein.toml`)\n## Notes\n## Notes\n```\n# not a heading\n```\n');
  assert.deepEqual([...ids], ['addon-or-ffi-measured', 'one-name-one-member', 'configuration-skeintoml', 'notes', 'notes-1']);
});

for (const file of DOCS) {
  const name = relative(ROOT, file);
  test(`${name}: every relative link and anchor resolves`, () => {
    const text = readFileSync(file, 'utf8');
    const problems: string[] = [];
    for (const link of links(text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto:
      const [path = '', anchor] = link.split('#', 2);
      const target = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
      if (!target.startsWith(ROOT)) { problems.push(`${link}: leaves the repository`); continue; }
      if (!existsSync(target)) { problems.push(`${link}: ${relative(ROOT, target)} does not exist`); continue; }
      if (anchor !== undefined && anchor !== '') {
        if (!target.endsWith('.md') || statSync(target).isDirectory()) { problems.push(`${link}: an anchor into a file that is not Markdown`); continue; }
        if (!headingIds(readFileSync(target, 'utf8')).has(anchor)) problems.push(`${link}: no heading '#${anchor}' in ${relative(ROOT, target)}`);
      }
    }
    assert.deepEqual(problems, [], `${name}:\n  ${problems.join('\n  ')}`);
  });
}

for (const file of DOCS) {
  const name = relative(ROOT, file);
  test(`${name}: every source path it names exists`, () => {
    const paths = [...readFileSync(file, 'utf8').matchAll(/`((?:src|native|scripts|bin|deploy|fuzz|test)\/[A-Za-z0-9_./-]+)`/g)].map((m) => m[1]!);
    assert.deepEqual(paths.filter((p) => !existsSync(join(ROOT, p))), []);
  });
}
