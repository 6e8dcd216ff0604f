/**
 * Names that will become DNS names: node, cluster, group and signer names are
 * single DNS labels (RFC 1035/1123) in one canonical, lowercase form, so two
 * spellings of one name can never be two identities.
 */
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { MAX_NAME_BYTES, MAX_NAME_PATTERN_BYTES, MAX_NAME_PATTERNS } from './constants.js';

export { nameMatchesPattern } from './name-glob.js';

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const PATTERN_CHARS = /^[a-z0-9*-]+$/;

const LABEL_RULE =
  `1 to ${MAX_NAME_BYTES} characters: lowercase letters a-z, digits 0-9 and '-', not starting or ending with '-'`;

export function isValidLabel(name: string): boolean {
  return LABEL.test(name);
}

function check(kind: string, name: string): string {
  if (!isValidLabel(name)) {
    const hint = name !== name.toLowerCase() && isValidLabel(name.toLowerCase()) ? ` (did you mean '${name.toLowerCase()}'?)` : '';
    throw new SkeinError(ErrorCodes.INVALID_NAME, `invalid ${kind} '${printable(name)}': a ${kind} is ${LABEL_RULE}${hint}`);
  }
  return name;
}

/** Returns the name when it is a valid DNS label, else throws SKEIN_ERR_INVALID_NAME saying what is allowed. */
export function validateNodeName(name: string): string {
  return check('node name', name);
}

export function validateClusterName(name: string): string {
  return check('cluster name', name);
}

export function validateGroupName(name: string): string {
  return check('group name', name);
}

export function validateSignerName(name: string): string {
  return check('signer name', name);
}

/**
 * A name pattern of an intermediate signer: a label where '*' stands for any
 * run of label characters, e.g. 'web-*' or '*-eu'.
 */
export function isValidNamePattern(pattern: string): boolean {
  return pattern.length <= MAX_NAME_PATTERN_BYTES && PATTERN_CHARS.test(pattern) && isValidLabel(pattern.replaceAll('*', 'x'));
}

export function validateNamePattern(pattern: string): string {
  if (pattern.length > MAX_NAME_PATTERN_BYTES) {
    throw new SkeinError(
      ErrorCodes.INVALID_NAME,
      `name pattern '${printable(pattern)}' is ${pattern.length} characters long: a pattern is at most ${MAX_NAME_PATTERN_BYTES} characters (MAX_NAME_PATTERN_BYTES)`,
    );
  }
  if (!isValidNamePattern(pattern)) {
    throw new SkeinError(
      ErrorCodes.INVALID_NAME,
      `invalid name pattern '${printable(pattern)}': a pattern is a node name in which '*' matches any run of characters (e.g. 'web-*'); ${LABEL_RULE}`,
    );
  }
  return pattern;
}

/**
 * The name patterns of one signer: each valid, and few enough that the check
 * every verifier runs per certificate stays bounded. Returns them sorted and
 * unique (the canonical order of the certificate encoding).
 */
export function validateNamePatternList(patterns: readonly string[]): string[] {
  const unique = [...new Set(patterns.map(validateNamePattern))].sort();
  if (unique.length > MAX_NAME_PATTERNS) {
    throw new SkeinError(
      ErrorCodes.USAGE,
      `an intermediate signer holds at most ${MAX_NAME_PATTERNS} name patterns (MAX_NAME_PATTERNS), got ${unique.length}`,
    );
  }
  return unique;
}

/** Parse a comma-separated CLI list ("a,b") into validated, de-duplicated, sorted names. */
export function parseNameList(text: string, validate: (s: string) => string): string[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  return [...new Set(items.map(validate))].sort();
}

/** Quote a user-supplied name in an error without echoing control characters. */
function printable(s: string): string {
  const clipped = s.length > 80 ? `${s.slice(0, 80)}…` : s;
  return clipped.replace(/[^\x20-\x7e]/g, '?');
}
