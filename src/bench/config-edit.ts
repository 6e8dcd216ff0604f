/**
 * Edits of a generated node config (pure). Setting the TUN MTU: the
 * rendered config only mentions `[tun]` in a comment, and a TOML table may
 * appear once, so the table is appended — or refused when one is already
 * there. Choosing the link implementation: `native` is set in the `[links]`
 * table every rendered config has.
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

const LINKS_TABLE = /^\s*\[links\]\s*(#.*)?$/m;
const NATIVE_SETTING = /^native = (true|false)\n/m;

/** The config with `[links] native = …` set (links.native: the native link when built, or the TypeScript path). */
export function withNativeLinks(configText: string, native: boolean): string {
  const table = LINKS_TABLE.exec(configText);
  if (table === null) throw new SkeinError(ErrorCodes.CONFIG, 'the node config has no [links] table: the bench edits only configs it generated');
  const start = table.index + table[0].length + 1;
  const rest = configText.slice(start).replace(NATIVE_SETTING, '');
  return `${configText.slice(0, start)}native = ${native}\n${rest}`;
}
