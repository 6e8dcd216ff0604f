/**
 * What the system says about its interfaces, as InterfaceInfo (Linux).
 *
 * os.networkInterfaces() (libuv getifaddrs) lists only interfaces that are
 * UP and RUNNING, with each address's scopeid = ifindex. It shows no flags,
 * so IFF_MULTICAST and IFF_LOOPBACK come from /sys/class/net/IF/flags (hex).
 * Inside `ip netns exec`, /sys is remounted for the namespace, so both
 * sources describe the namespace the process runs in.
 */
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { IFF_LOOPBACK, IFF_MULTICAST, IFF_UP } from './constants.js';
import type { InterfaceInfo } from './interface-selection.js';

/** Where the interface list comes from: injected so tests can script it. */
export type InterfaceSource = () => InterfaceInfo[];

const LINK_LOCAL = /^fe[89ab][0-9a-f]:/i;

/** The interface's flags, or undefined if it vanished (or /sys is not there). */
function readFlags(name: string): number | undefined {
  try {
    const n = Number.parseInt(readFileSync(`/sys/class/net/${name}/flags`, 'utf8').trim(), 16);
    return Number.isNaN(n) ? undefined : n;
  } catch {
    return undefined;
  }
}

export const systemInterfaces: InterfaceSource = () => {
  const out: InterfaceInfo[] = [];
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    const flags = readFlags(name);
    if (flags === undefined || addrs === undefined) continue;
    const ll = addrs.find((a) => a.family === 'IPv6' && LINK_LOCAL.test(a.address) && (a.scopeid ?? 0) > 0);
    out.push({
      name,
      index: ll?.scopeid ?? 0,
      up: (flags & IFF_UP) !== 0,
      multicast: (flags & IFF_MULTICAST) !== 0,
      loopback: (flags & IFF_LOOPBACK) !== 0 || addrs.some((a) => a.internal),
      linkLocal: ll?.address,
    });
  }
  return out;
};
