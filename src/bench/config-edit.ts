/**
 * Setting the TUN MTU in a generated node config (pure). The rendered
 * config only mentions `[tun]` in a comment, and a TOML table may appear
 * once, so the table is appended — or refused when one is already there.
 */
import { ErrorCodes, SkeinError } from '../util/errors.js';

const TUN_TABLE = /^\s*\[tun\]\s*(#.*)?$/m;

export function withTunMtu(configText: string, mtu: number): string {
  if (TUN_TABLE.test(configText)) {
    throw new SkeinError(ErrorCodes.CONFIG, 'the node config already has a [tun] table: the bench only appends one to configs it generated');
  }
  const base = configText.endsWith('\n') ? configText : `${configText}\n`;
  return `${base}\n[tun]\nmtu = ${mtu}\n`;
}
