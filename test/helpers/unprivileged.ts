/**
 * Running a child without any capability, to show what an operator without
 * root sees (the lab and the TUN device need CAP_NET_ADMIN and friends, and
 * check for them, not for uid 0). setpriv empties the bounding set, so the
 * child keeps uid 0 - and with it read access to a root-owned checkout in a
 * 0700 directory (mktemp -d), which a switch to nobody would lose - but holds
 * no capability after exec.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export const WITHOUT_CAPABILITIES: readonly string[] = ['setpriv', '--bounding-set=-all', '--inh-caps=-all', '--ambient-caps=-all'];

/** The wrapper argv, or why it cannot be used here. */
export async function capabilitylessWrapper(): Promise<{ wrapper: string[] } | { why: string }> {
  const works = await promisify(execFile)(WITHOUT_CAPABILITIES[0]!, [...WITHOUT_CAPABILITIES.slice(1), 'true']).then(() => true, () => false);
  return works ? { wrapper: [...WITHOUT_CAPABILITIES] } : { why: 'setpriv (util-linux) is missing or cannot drop capabilities here' };
}
