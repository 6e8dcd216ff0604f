/**
 * What a lab looks like from inside its namespaces, independently of the
 * lab module's own bookkeeping: every node's interfaces as `ip -j addr`
 * reports them, and the links they form, paired by veth peer ifindex.
 * Also: what a lab left behind in the host.
 */
import { execFileSync } from 'node:child_process';
import type { Lab } from '../../src/lab/index.js';

interface IpAddrEntry {
  ifindex: number;
  ifname: string;
  flags: string[];
  link_index?: number;
  master?: string;
  link_info?: { info_kind?: string };
  addr_info: Array<{ family: string; local: string; scope: string; tentative?: boolean }>;
}

export interface ObservedLinks {
  /** Links as "nA~nB" (sorted ends, numerically), or "nA~sw" for a switch port. */
  pairs: string[];
  /** Anything wrong: an interface down, without a usable link-local, unpaired, unexpected. */
  problems: string[];
  /** Link-local address of each node interface: "n1/lab-n2" → "fe80::…". */
  linkLocal: Map<string, string>;
}

async function ipJson(lab: Lab, node: string, args: string[]): Promise<IpAddrEntry[]> {
  const r = await lab.exec(node, ['ip', '-j', ...args]);
  if (r.code !== 0) throw new Error(`ip ${args.join(' ')} in ${node} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as IpAddrEntry[];
}

function nodeOrder(name: string): number {
  return name === 'sw' ? Number.MAX_SAFE_INTEGER : Number(name.slice(1));
}

export async function observeLinks(lab: Lab): Promise<ObservedLinks> {
  const prefix = `${lab.name}-`;
  const problems: string[] = [];
  const linkLocal = new Map<string, string>();
  const members = [...lab.nodes, ...(lab.layout.switch ? ['sw'] : [])];
  const byNode = new Map<string, IpAddrEntry[]>();
  for (const node of members) byNode.set(node, await ipJson(lab, node, ['addr', 'show']));
  const pairs = new Set<string>();
  for (const [node, entries] of byNode) {
    for (const e of entries) {
      if (e.ifname === 'lo') continue;
      if (!e.ifname.startsWith(prefix)) { problems.push(`${node}: unexpected interface ${e.ifname}`); continue; }
      if (!e.flags.includes('UP') || !e.flags.includes('LOWER_UP')) problems.push(`${node}/${e.ifname}: not up (${e.flags.join(',')})`);
      const peer = e.ifname.slice(prefix.length);
      if (node === 'sw') {
        const ipv6 = e.addr_info.filter((a) => a.family === 'inet6');
        if (ipv6.length > 0) problems.push(`sw/${e.ifname}: a switch interface has an IPv6 address`);
        if (peer === 'br') continue;
        if (e.master !== `${prefix}br`) problems.push(`sw/${e.ifname}: not a port of ${prefix}br (master ${e.master})`);
      } else {
        const ll = e.addr_info.find((a) => a.family === 'inet6' && a.scope === 'link' && !a.tentative);
        if (ll) linkLocal.set(`${node}/${e.ifname}`, ll.local);
        else problems.push(`${node}/${e.ifname}: no usable link-local address`);
      }
      // The veth peer must be the interface named after us, in the peer node, with our ifindex as its peer.
      const back = byNode.get(peer)?.find((p) => p.ifname === `${prefix}${node}`);
      if (!back || back.ifindex !== e.link_index || back.link_index !== e.ifindex) {
        problems.push(`${node}/${e.ifname}: its veth peer is not ${peer}/${prefix}${node}`);
        continue;
      }
      pairs.add([node, peer].sort((x, y) => nodeOrder(x) - nodeOrder(y)).join('~'));
    }
  }
  return { pairs: [...pairs].sort(), problems, linkLocal };
}

/** Lab namespaces and host interfaces that carry the lab's name: must be none after `down`. */
export function hostLeftovers(labName: string): { namespaces: string[]; hostInterfaces: string[] } {
  const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n.startsWith(`skein-${labName}-`));
  const links = JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' }) || '[]') as Array<{ ifname: string }>;
  return { namespaces, hostInterfaces: links.map((l) => l.ifname).filter((n) => n.startsWith(`${labName}-`)) };
}
