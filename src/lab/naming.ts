/**
 * Names of everything a lab creates. Pure.
 *
 * Every namespace is `skein-<lab>-<node>` and every interface is
 * `<lab>-<peer>`: the interface in node n1 that leads to n2 is `<lab>-n2`
 * (in a bridge lab, a node's interface to the switch is `<lab>-sw`, the
 * switch's port to n3 is `<lab>-n3` and the bridge itself `<lab>-br`).
 * The lab name is in every name, so two labs never collide and leftovers of a
 * crashed lab are found by name alone. Linux limits interface names to 15
 * characters: a lab name of at most 10 plus `-n` and three digits fits.
 * Lab names have no `-`, so `skein-<lab>-` prefixes never overlap.
 */
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { MAX_LAB_NODES } from './topology.js';

/** Linux IFNAMSIZ is 16 including the terminating NUL. */
export const IFNAME_MAX_LENGTH = 15;
export const LAB_NAME_MAX_LENGTH = 10;
export const NAMESPACE_PREFIX = 'skein-';
export const DEFAULT_LAB_NAME = 'lab';
/** The hidden node that holds the bridge of a `bridge` lab. */
export const SWITCH_NODE = 'sw';
const BRIDGE_SUFFIX = 'br';

const LAB_NAME_PATTERN = new RegExp(`^[a-z][a-z0-9]{0,${LAB_NAME_MAX_LENGTH - 1}}$`);
const NODE_NAME_PATTERN = /^n([1-9][0-9]{0,2})$/;
const NAMESPACE_PATTERN = new RegExp(`^${NAMESPACE_PREFIX}([a-z][a-z0-9]{0,${LAB_NAME_MAX_LENGTH - 1}})-(n[1-9][0-9]{0,2}|${SWITCH_NODE})$`);

export function validateLabName(name: string): string {
  if (!LAB_NAME_PATTERN.test(name)) {
    throw new SkeinError(
      ErrorCodes.USAGE,
      `invalid lab name '${name}': use 1 to ${LAB_NAME_MAX_LENGTH} lowercase letters and digits, starting with a letter (it becomes part of interface names, which Linux limits to ${IFNAME_MAX_LENGTH} characters)`,
    );
  }
  return name;
}

export function nodeName(index: number): string {
  return `n${index}`;
}

/** The 1-based index of a node name like `n12`, or undefined when it is not one. */
export function nodeIndex(name: string): number | undefined {
  const m = NODE_NAME_PATTERN.exec(name);
  if (!m) return undefined;
  const index = Number(m[1]);
  return index <= MAX_LAB_NODES ? index : undefined;
}

export function namespaceName(lab: string, node: string): string {
  return `${NAMESPACE_PREFIX}${lab}-${node}`;
}

export function labNamespacePrefix(lab: string): string {
  return `${NAMESPACE_PREFIX}${lab}-`;
}

/** The interface that leads to `peer` (a node name or the switch). */
export function interfaceName(lab: string, peer: string): string {
  return checkedIfname(`${lab}-${peer}`);
}

export function bridgeName(lab: string): string {
  return checkedIfname(`${lab}-${BRIDGE_SUFFIX}`);
}

/** The lab and node a namespace belongs to, when it is a lab namespace at all. */
export function parseNamespaceName(namespace: string): { lab: string; node: string } | undefined {
  const m = NAMESPACE_PATTERN.exec(namespace);
  if (!m) return undefined;
  const node = m[2] as string;
  if (node !== SWITCH_NODE && nodeIndex(node) === undefined) return undefined;
  return { lab: m[1] as string, node };
}

function checkedIfname(name: string): string {
  if (name.length > IFNAME_MAX_LENGTH) {
    // Unreachable with validated lab names and node counts; kept so a future change cannot silently truncate.
    throw new SkeinError(ErrorCodes.LAB, `interface name '${name}' is longer than ${IFNAME_MAX_LENGTH} characters`);
  }
  return name;
}
