/**
 * Names that will become DNS names: node, cluster, group and signer names are
 * single DNS labels (RFC 1035/1123) in one canonical, lowercase form, so two
 * spellings of one name can never be two identities.
 */
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { MAX_NAME_BYTES } from './constants.js';

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const PATTERN = /^[a-z0-9*-]{1,63}$/;

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
  return PATTERN.test(pattern) && isValidLabel(pattern.replaceAll('*', 'x'));
}

export function validateNamePattern(pattern: string): string {
  if (!isValidNamePattern(pattern)) {
    throw new SkeinError(
      ErrorCodes.INVALID_NAME,
      `invalid name pattern '${printable(pattern)}': a pattern is a node name in which '*' matches any run of characters (e.g. 'web-*'); ${LABEL_RULE}`,
    );
  }
  return pattern;
}

export function nameMatchesPattern(name: string, pattern: string): boolean {
  // Escape nothing: patterns hold only [a-z0-9*-], none of which is special except '*'.
  const re = new RegExp(`^${pattern.replaceAll('*', '[a-z0-9-]*')}$`);
  return re.test(name);
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
