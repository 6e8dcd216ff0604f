/**
 * The iproute2 commands that build a lab and change its links. Pure: each
 * function returns argv lists that the runner executes with execFile (never a
 * shell). Every command names its namespace (`ip -n NS`, `ip netns exec NS`),
 * and veth pairs are created with both ends already inside their namespaces,
 * so nothing ever appears in, or changes, the host's own network.
 */
import type { Endpoint, LabLayout, LinkLayout } from './layout.js';

export interface Command {
  file: 'ip' | 'tc';
  args: string[];
  /** Bytes written to the command's stdin. */
  input?: string;
}

export interface BuildStep {
  /** What the step does, for progress output and error messages. */
  description: string;
  commands: Command[];
}

/**
 * IPv6 sysctls written inside each node namespace before any interface exists,
 * so every lab interface inherits them: no duplicate address detection, so a
 * link-local address is usable the moment its link is up (duplicate detection
 * would hold each link's first packets back for a second or more).
 */
const NO_DAD_SYSCTLS = ['all', 'default'].map((scope) => `/proc/sys/net/ipv6/conf/${scope}/accept_dad`);

export function ip(namespace: string, ...args: string[]): Command {
  return { file: 'ip', args: ['-n', namespace, ...args] };
}

/** Create a namespace with loopback up and (for a node) DAD off. */
function namespaceStep(namespace: string, isNode: boolean): BuildStep {
  const commands: Command[] = [{ file: 'ip', args: ['netns', 'add', namespace] }];
  if (isNode) commands.push({ file: 'ip', args: ['netns', 'exec', namespace, 'tee', ...NO_DAD_SYSCTLS], input: '0\n' });
  commands.push(ip(namespace, 'link', 'set', 'lo', 'up'));
  return { description: `create namespace ${namespace}`, commands };
}

function vethCommand(a: Endpoint, b: Endpoint): Command {
  return ip(a.namespace, 'link', 'add', a.ifname, 'type', 'veth', 'peer', 'name', b.ifname, 'netns', b.namespace);
}

/** A point-to-point link: one veth pair, both ends up. */
function linkStep(link: LinkLayout): BuildStep {
  return {
    description: `link ${link.a.node} (${link.a.ifname}) — ${link.b.node} (${link.b.ifname})`,
    commands: [vethCommand(link.a, link.b), ...setLinkCommands(link, 'up')],
  };
}

/**
 * A node's port on the switch. The switch is a plain L2 bridge: its ports and
 * the bridge carry no IPv6 address of their own (addrgenmode none, set before
 * `up` because the kernel applies it after the flags in a combined command).
 */
function switchPortStep(link: LinkLayout, bridge: string): BuildStep {
  const port = link.b;
  return {
    description: `plug ${link.a.node} (${link.a.ifname}) into switch port ${port.ifname}`,
    commands: [
      vethCommand(port, link.a),
      ip(port.namespace, 'link', 'set', 'dev', port.ifname, 'addrgenmode', 'none'),
      ip(port.namespace, 'link', 'set', 'dev', port.ifname, 'master', bridge, 'up'),
      ip(link.a.namespace, 'link', 'set', 'dev', link.a.ifname, 'up'),
    ],
  };
}

/**
 * Multicast snooping off: with no MLD querier on the segment, a snooping
 * bridge may stop flooding a group, and discovery must see every multicast.
 */
function bridgeStep(namespace: string, bridge: string): BuildStep {
  return {
    description: `create bridge ${bridge}`,
    commands: [
      ip(namespace, 'link', 'add', 'name', bridge, 'type', 'bridge', 'mcast_snooping', '0'),
      ip(namespace, 'link', 'set', 'dev', bridge, 'addrgenmode', 'none'),
      ip(namespace, 'link', 'set', 'dev', bridge, 'up'),
    ],
  };
}

/** Every step that builds the lab, in order; each is safe to abandon midway (teardown finds things by name). */
export function buildPlan(layout: LabLayout): BuildStep[] {
  const steps = layout.nodes.map((n) => namespaceStep(n.namespace, true));
  const sw = layout.switch;
  if (sw) {
    steps.push(namespaceStep(sw.namespace, false), bridgeStep(sw.namespace, sw.bridge));
    for (const link of layout.links) steps.push(switchPortStep(link, sw.bridge));
  } else {
    for (const link of layout.links) steps.push(linkStep(link));
  }
  return steps;
}

/** Both ends of a link administratively up or down (`cut`/`heal`). */
export function setLinkCommands(link: LinkLayout, state: 'up' | 'down'): Command[] {
  return [link.a, link.b].map((end) => ip(end.namespace, 'link', 'set', 'dev', end.ifname, state));
}
