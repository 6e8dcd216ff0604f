/**
 * IPv6 address text, both ways. Output is RFC 5952's canonical form
 * (lowercase, no leading zeros, the longest run of two or more zero groups
 * as "::", the first such run on a tie), so the same address always prints
 * the same way in status, nodes, DNS answers and hosts files.
 */
import { ErrorCodes, SkeinError } from './errors.js';

const IPV6_ADDRESS_BYTES = 16;

const GROUPS = 8;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

export function ipv6ToText(bytes: Uint8Array, offset = 0): string {
  if (bytes.byteLength < offset + IPV6_ADDRESS_BYTES) throw new RangeError('IPv6 address needs 16 bytes');
  const groups: number[] = [];
  for (let i = 0; i < GROUPS; i++) groups.push((bytes[offset + 2 * i]! << 8) | bytes[offset + 2 * i + 1]!);
  let bestStart = -1;
  let bestLength = 1; // a single zero group is never compressed
  for (let i = 0; i < GROUPS; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < GROUPS && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) => groups.slice(from, to).map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(0, GROUPS);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, GROUPS)}`;
}

/** Parse an IPv6 address (no zone, no embedded IPv4). Throws SkeinError USAGE naming the text. */
export function ipv6FromText(text: string): Uint8Array {
  const fail = (why: string): never => {
    throw new SkeinError(ErrorCodes.USAGE, `'${text.slice(0, 60)}' is not an IPv6 address: ${why}`);
  };
  const halves = text.split('::');
  if (halves.length > 2) fail('more than one "::"');
  const parse = (part: string | undefined) => (part === undefined || part === '' ? [] : part.split(':'));
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  const present = head.length + tail.length;
  if (halves.length === 1 && present !== GROUPS) fail(`expected ${GROUPS} groups`);
  if (halves.length === 2 && present > GROUPS - 1) fail('too many groups around "::"');
  const groups = [...head, ...new Array<string>(GROUPS - present).fill('0'), ...tail];
  const out = new Uint8Array(IPV6_ADDRESS_BYTES);
  groups.forEach((g, i) => {
    if (!HEX_GROUP.test(g)) fail(`bad group '${g.slice(0, 10)}'`);
    const v = Number.parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}
