/**
 * Yggdrasil on a bench line (pure): which addresses each node listens on and
 * peers with, its config made from `yggdrasil -genconf -json`, and the
 * address `yggdrasil -address` derives from that config.
 *
 * The peers are static TCP ones over the kernel baseline's veth addresses
 * (kernel-routing.ts: link k's /64, node nI's end `::I`): each node listens
 * on its own end of every link and dials the other end. Both sides of a
 * link dial because the daemons start together: a dial refused while the
 * neighbour is not listening yet is not tried again for a while, and the
 * neighbour's own dial then makes the link. Multicast
 * discovery and the admin socket are off: nothing leaves the lab's
 * namespaces and nothing is left on the host.
 */
import { isIPv6 } from 'node:net';
import type { LabLayout } from '../lab/layout.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { baselineAddress } from './kernel-routing.js';

/** TCP port Yggdrasil listens on inside the lab's namespaces. */
export const YGGDRASIL_PORT = 7995;
/** Linux's limit on interface names (IFNAMSIZ − 1). */
const MAX_IFNAME = 15;

export interface YggdrasilNodePlan {
  listen: string[];
  peers: string[];
  /** The node's TUN interface: the lab's name in it, so no two labs' tun devices share a name. */
  ifName: string;
}

const tcpUri = (address: string, port: number): string => `tcp://[${address}]:${port}`;

export function yggdrasilPlans(layout: LabLayout, port = YGGDRASIL_PORT): Map<string, YggdrasilNodePlan> {
  if (layout.switch) throw new RangeError('the Yggdrasil run needs point-to-point links (not a bridge lab)');
  const plans = new Map<string, YggdrasilNodePlan>();
  for (const node of layout.nodes) {
    const ifName = `y${layout.name}${node.name}`;
    if (ifName.length > MAX_IFNAME) throw new RangeError(`interface name ${ifName} is longer than ${MAX_IFNAME} characters`);
    plans.set(node.name, { listen: [], peers: [], ifName });
  }
  layout.links.forEach((link, i) => {
    for (const [self, other] of [[link.a, link.b], [link.b, link.a]] as const) {
      const plan = plans.get(self.node);
      plan?.listen.push(tcpUri(baselineAddress(i + 1, self.node), port));
      plan?.peers.push(tcpUri(baselineAddress(i + 1, other.node), port));
    }
  });
  return plans;
}

/** The generated config (JSON, with its fresh key pair) with the lab's peering in place of discovery. */
export function yggdrasilConfig(genconfJson: string, plan: YggdrasilNodePlan): string {
  let config: unknown;
  try {
    config = JSON.parse(genconfJson);
  } catch {
    throw new SkeinError(ErrorCodes.LAB, `yggdrasil -genconf -json printed no JSON: ${genconfJson.trim().slice(0, 120)}`);
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new SkeinError(ErrorCodes.LAB, 'yggdrasil -genconf -json printed no JSON object');
  const fields = config as Record<string, unknown>;
  if (typeof fields.PrivateKey !== 'string' || fields.PrivateKey === '') throw new SkeinError(ErrorCodes.LAB, 'the generated Yggdrasil config has no PrivateKey');
  return `${JSON.stringify({
    ...fields,
    Peers: plan.peers,
    InterfacePeers: {},
    Listen: plan.listen,
    AdminListen: 'none',
    MulticastInterfaces: [],
    IfName: plan.ifName,
    NodeInfoPrivacy: true,
    NodeInfo: null,
  }, null, 2)}\n`;
}

/** The node address `yggdrasil -useconffile F -address` prints: IPv6, within 200::/7. */
export function parseYggdrasilAddress(text: string): string {
  const address = text.trim();
  // 200::/7: the first 16-bit group is 0x0200–0x03ff.
  const firstGroup = Number.parseInt(address.split(':')[0] ?? '', 16);
  if (!isIPv6(address) || !(firstGroup >= 0x200 && firstGroup <= 0x3ff)) {
    throw new SkeinError(ErrorCodes.LAB, `yggdrasil -address printed no 200::/7 address: ${address.slice(0, 120) || '(nothing)'}`);
  }
  return address;
}

/** The version in `yggdrasil -version` ("Build version: 0.4.7"), or null when the build does not know it. */
export function parseYggdrasilVersion(text: string): string | null {
  const m = /^Build version:\s*(\S+)\s*$/m.exec(text);
  return m && m[1] !== 'unknown' ? m[1]! : null;
}
