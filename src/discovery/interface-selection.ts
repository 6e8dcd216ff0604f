/**
 * Which interfaces discovery runs on (pure).
 *
 * Eligible: up and running, multicast-capable, not loopback, with an IPv6
 * link-local address (without one there is nothing to send from or dial).
 * Of those, the config narrows: `interfaces` (names or globs; empty = all)
 * and `ignoreInterfaces` (wins). An explicitly listed interface that is not
 * eligible yet is simply not used until it becomes eligible.
 */
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { MAX_INTERFACE_NAME_BYTES } from './constants.js';

/** What the system says about one interface (src/discovery/system-interfaces.ts). */
export interface InterfaceInfo {
  name: string;
  /** Kernel ifindex; a re-created interface gets a new one. */
  index: number;
  /** Administratively up and running (carrier). */
  up: boolean;
  multicast: boolean;
  loopback: boolean;
  /** Its fe80::/10 address, without scope, if it has one. */
  linkLocal: string | undefined;
}

/** An interface discovery currently uses. */
export interface ActiveInterface {
  name: string;
  index: number;
  linkLocal: string;
}

export interface InterfaceSelection {
  interfaces: readonly string[];
  ignoreInterfaces: readonly string[];
}

/** Interface names and globs: the characters Linux allows in practice, plus * and ?. */
const PATTERN = /^[A-Za-z0-9_.:@*?-]+$/;

export function validateInterfacePattern(pattern: string, key: string): string {
  if (pattern.length === 0 || pattern.length > MAX_INTERFACE_NAME_BYTES * 2 || !PATTERN.test(pattern)) {
    throw new SkeinError(
      ErrorCodes.CONFIG,
      `${key}: '${pattern.replace(/[^\x20-\x7e]/g, '?')}' is not an interface name or glob (letters, digits, _ . : @ -, with * and ?)`,
    );
  }
  return pattern;
}

/** Glob match: `*` any run of characters, `?` one character; everything else literal. */
export function matchesInterfacePattern(name: string, pattern: string): boolean {
  const re = pattern.replace(/[.*?+^$()[\]{}|\\]/g, (ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : `\\${ch}`));
  return new RegExp(`^${re}$`).test(name);
}

export function isEligible(i: InterfaceInfo): i is InterfaceInfo & { linkLocal: string } {
  return i.up && i.multicast && !i.loopback && i.linkLocal !== undefined;
}

export function isSelectedName(name: string, sel: InterfaceSelection): boolean {
  if (sel.ignoreInterfaces.some((p) => matchesInterfacePattern(name, p))) return false;
  return sel.interfaces.length === 0 || sel.interfaces.some((p) => matchesInterfacePattern(name, p));
}

/** The interfaces to use, sorted by name. */
export function selectInterfaces(all: readonly InterfaceInfo[], sel: InterfaceSelection): ActiveInterface[] {
  return all
    .filter(isEligible)
    .filter((i) => isSelectedName(i.name, sel))
    .map((i) => ({ name: i.name, index: i.index, linkLocal: i.linkLocal }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export interface InterfaceChanges {
  added: ActiveInterface[];
  removed: ActiveInterface[];
}

/**
 * What changed between two selections. An interface whose index changed was
 * deleted and re-created: it is both removed (old) and added (new), because
 * its multicast membership died with the old index.
 */
export function diffInterfaces(prev: readonly ActiveInterface[], next: readonly ActiveInterface[]): InterfaceChanges {
  const key = (i: ActiveInterface) => `${i.name}#${i.index}`;
  const prevKeys = new Set(prev.map(key));
  const nextKeys = new Set(next.map(key));
  return {
    added: next.filter((i) => !prevKeys.has(key(i))),
    removed: prev.filter((i) => !nextKeys.has(key(i))),
  };
}
