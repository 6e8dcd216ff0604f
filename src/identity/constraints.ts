/**
 * What an intermediate signer may certify: node names matching one of its
 * patterns (when it has any) and only groups from its allowed set (when it has
 * one). Checked both when issuing and when verifying, so a certificate that
 * escaped its signer's limits is refused by every peer.
 */
import { ErrorCodes, SkeinError } from '../util/errors.js';
import type { Certificate } from './certificate.js';
import { nameMatchesPattern } from './name-glob.js';

export function checkSignerConstraints(signer: Certificate, nodeName: string, groups: readonly string[]): void {
  const c = signer.constraints;
  if (c === null) return;
  if (c.namePatterns !== null && !c.namePatterns.some((p) => nameMatchesPattern(nodeName, p))) {
    throw new SkeinError(
      ErrorCodes.CERT_CONSTRAINT,
      `intermediate signer '${signer.name}' may only certify names matching ${c.namePatterns.join(', ')}, not '${nodeName}'`,
    );
  }
  if (c.groups !== null) {
    const allowed = c.groups;
    const outside = groups.filter((g) => !allowed.includes(g));
    if (outside.length > 0) {
      const may = allowed.length > 0 ? `only the groups ${allowed.join(', ')}` : 'no groups';
      throw new SkeinError(ErrorCodes.CERT_CONSTRAINT, `intermediate signer '${signer.name}' may grant ${may}, not ${outside.join(', ')}`);
    }
  }
}
