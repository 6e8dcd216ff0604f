/**
 * The baseline: plain kernel IPv6 routing on a lab's own veth links, as the
 * limit Skein is compared with (pure: returns the iproute2 commands).
 *
 * Link k of the lab (1-based, in layout order) gets the /64
 * `fdbe:1ab:0:<k>::/64` (RFC 4193 private space, used only inside the lab's
 * namespaces), and node nI's end of it the host part `::<I>` (hex). Every node
 * forwards (net.ipv6.conf.all.forwarding=1 inside its namespace) and gets a
 * static route to every link it is not on, via the neighbour on a shortest
 * path to that link. Nothing is configured on the host.
 */
import type { LabLayout, LinkLayout } from '../lab/layout.js';
import { nodeIndex } from '../lab/naming.js';
import { ip, type Command } from '../lab/plan.js';

/** The /48 every baseline link prefix lives in. */
export const BASELINE_PREFIX = 'fdbe:1ab:0';
export const BASELINE_PREFIX_LENGTH = 64;
const FORWARDING_SYSCTL = '/proc/sys/net/ipv6/conf/all/forwarding';

export interface KernelRoutingPlan {
  commands: Command[];
  /** Each node's addresses, one per link it is on, in layout order. */
  addresses: Map<string, string[]>;
}

export function linkPrefix(linkNumber: number): string {
  return `${BASELINE_PREFIX}:${linkNumber.toString(16)}::`;
}

export function baselineAddress(linkNumber: number, node: string): string {
  const index = nodeIndex(node);
  if (index === undefined) throw new RangeError(`not a lab node name: ${node}`);
  return `${linkPrefix(linkNumber)}${index.toString(16)}`;
}

/** Hop counts from `from` to every node over the lab's links (breadth first). */
function distances(layout: LabLayout, from: string): Map<string, number> {
  const dist = new Map<string, number>([[from, 0]]);
  const queue = [from];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head] as string;
    for (const link of layout.links) {
      const next = link.a.node === node ? link.b.node : link.b.node === node ? link.a.node : undefined;
      if (next !== undefined && !dist.has(next)) {
        dist.set(next, (dist.get(node) ?? 0) + 1);
        queue.push(next);
      }
    }
  }
  return dist;
}

function otherEnd(link: LinkLayout, node: string): string | undefined {
  return link.a.node === node ? link.b.node : link.b.node === node ? link.a.node : undefined;
}

/**
 * The neighbour of `node` on a shortest path to a link it is not on: the
 * neighbour nearest to the nearer end of that link (ties: layout order).
 */
function nextHopLink(layout: LabLayout, node: string, target: LinkLayout): LinkLayout | undefined {
  let best: { link: LinkLayout; cost: number } | undefined;
  for (const link of layout.links) {
    const neighbour = otherEnd(link, node);
    if (neighbour === undefined) continue;
    const d = distances(layout, neighbour);
    const cost = Math.min(d.get(target.a.node) ?? Infinity, d.get(target.b.node) ?? Infinity);
    if (cost < (best?.cost ?? Infinity)) best = { link, cost };
  }
  return best?.link;
}

export function kernelRoutingPlan(layout: LabLayout): KernelRoutingPlan {
  if (layout.switch) throw new RangeError('the kernel baseline needs point-to-point links (not a bridge lab)');
  const commands: Command[] = [];
  const addresses = new Map<string, string[]>();
  const number = (link: LinkLayout) => layout.links.indexOf(link) + 1;
  for (const node of layout.nodes) {
    commands.push({ file: 'ip', args: ['netns', 'exec', node.namespace, 'tee', FORWARDING_SYSCTL], input: '1\n' });
    addresses.set(node.name, []);
  }
  for (const link of layout.links) {
    for (const end of [link.a, link.b]) {
      const address = baselineAddress(number(link), end.node);
      addresses.get(end.node)?.push(address);
      commands.push(ip(end.namespace, '-6', 'addr', 'add', `${address}/${BASELINE_PREFIX_LENGTH}`, 'dev', end.ifname, 'nodad'));
    }
  }
  for (const node of layout.nodes) {
    for (const target of layout.links) {
      if (otherEnd(target, node.name) !== undefined) continue;
      const via = nextHopLink(layout, node.name, target);
      if (!via) continue; // unreachable: a disconnected layout has no route to add
      const end = via.a.node === node.name ? via.a : via.b;
      const neighbour = otherEnd(via, node.name) as string;
      const prefix = `${linkPrefix(number(target))}/${BASELINE_PREFIX_LENGTH}`;
      commands.push(ip(node.namespace, '-6', 'route', 'add', prefix, 'via', baselineAddress(number(via), neighbour), 'dev', end.ifname));
    }
  }
  return { commands, addresses };
}
