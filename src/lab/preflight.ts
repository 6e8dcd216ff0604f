/**
 * Checks run before any lab command touches the network, so the operator
 * gets one clear line (needs root; which package provides `ip`) instead of
 * a half-built lab and an iproute2 error.
 */
import { readFileSync } from 'node:fs';
import type { CommandRunner } from './runner.js';
import { notRootError } from './runner.js';
import type { Command } from './plan.js';

/** Capability bits (linux/capability.h): veth/bridge/tc need NET_ADMIN; `ip netns add` mounts, which needs SYS_ADMIN. */
export const CAP_NET_ADMIN = 12;
export const CAP_SYS_ADMIN = 21;

/** True when the effective capability mask (hex, as in /proc/self/status `CapEff:`) holds both capabilities. */
export function hasLabCapabilities(capEffHex: string): boolean {
  if (!/^[0-9a-fA-F]{1,16}$/.test(capEffHex)) return false;
  const mask = BigInt(`0x${capEffHex}`);
  return [CAP_NET_ADMIN, CAP_SYS_ADMIN].every((bit) => (mask >> BigInt(bit)) & 1n);
}

/** The `CapEff` field of a /proc/PID/status text. */
export function effectiveCapabilities(statusText: string): string | undefined {
  return /^CapEff:\s*([0-9a-fA-F]+)\s*$/m.exec(statusText)?.[1];
}

export function checkPrivileges(readStatus: () => string = () => readFileSync('/proc/self/status', 'utf8')): void {
  let caps: string | undefined;
  try {
    caps = effectiveCapabilities(readStatus());
  } catch {
    caps = undefined;
  }
  if (caps === undefined ? process.getuid?.() !== 0 : !hasLabCapabilities(caps)) throw notRootError();
}

/** Throws the "install iproute2" error when a tool is missing (the runner maps ENOENT). */
export async function checkTools(runner: CommandRunner, tools: ReadonlyArray<Command['file']>): Promise<void> {
  for (const tool of tools) await runner.run({ file: tool, args: ['-V'] });
}
