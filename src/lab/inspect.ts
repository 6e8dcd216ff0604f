/**
 * The live state of a lab, read from inside its namespaces (`ip -j addr`,
 * `tc qdisc show`), never from memory: what `status` prints is what the
 * kernel has. Parsing is separated from running so it is unit-tested.
 */
import type { Endpoint, LabLayout } from './layout.js';
import { nodeInterfaces } from './layout.js';
import { forEachLimited } from './limit.js';
import { SWITCH_NODE } from './naming.js';
import type { CommandRunner } from './runner.js';

export interface InterfaceInfo {
  ifname: string;
  /** Administratively up (`ip link set up`). */
  adminUp: boolean;
  /** The other end is up too (LOWER_UP): frames can flow. */
  carrier: boolean;
  mac: string;
  /** Usable IPv6 link-local address (not tentative), without scope. */
  linkLocal?: string;
}

export interface InterfaceStatus extends InterfaceInfo {
  peer: string;
  /** The root qdisc when it impairs the link (netem/tbf), e.g. `netem delay 20ms`. */
  impairment?: string;
}

export interface NodeStatus {
  name: string;
  namespace: string;
  present: boolean;
  interfaces: InterfaceStatus[];
}

export type LinkState = 'up' | 'down' | 'missing';

export interface LinkStatus {
  a: string;
  b: string;
  aInterface: string;
  bInterface: string;
  state: LinkState;
  impairment?: string;
}

interface RawAddr {
  family?: string;
  local?: string;
  scope?: string;
  tentative?: boolean;
}

interface RawLink {
  ifname?: string;
  flags?: string[];
  address?: string;
  addr_info?: RawAddr[];
}

/** Parse `ip -j addr show` output into interfaces by name. */
export function parseIpAddr(json: string): Map<string, InterfaceInfo> {
  const out = new Map<string, InterfaceInfo>();
  const raw = json.trim() === '' ? [] : (JSON.parse(json) as unknown);
  if (!Array.isArray(raw)) return out;
  for (const entry of raw as RawLink[]) {
    if (typeof entry?.ifname !== 'string') continue;
    const flags = Array.isArray(entry.flags) ? entry.flags : [];
    const ll = (entry.addr_info ?? []).find((a) => a.family === 'inet6' && a.scope === 'link' && !a.tentative && typeof a.local === 'string');
    const info: InterfaceInfo = { ifname: entry.ifname, adminUp: flags.includes('UP'), carrier: flags.includes('LOWER_UP'), mac: entry.address ?? '' };
    if (ll?.local) info.linkLocal = ll.local;
    out.set(entry.ifname, info);
  }
  return out;
}

const IMPAIRING_QDISCS = new Set(['netem', 'tbf']);

/** Parse `tc qdisc show` text into "kind options" for each device whose root qdisc impairs it. */
export function parseQdiscs(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^qdisc (\S+) \S+ dev (\S+) root(?: refcnt \d+)?\s*(.*)$/.exec(line.trim());
    if (m && IMPAIRING_QDISCS.has(m[1] as string)) out.set(m[2] as string, `${m[1]} ${(m[3] ?? '').trim()}`.trim());
  }
  return out;
}

interface NamespaceView {
  present: boolean;
  interfaces: Map<string, InterfaceInfo>;
  qdiscs: Map<string, string>;
}

async function readNamespace(runner: CommandRunner, namespace: string, withQdiscs: boolean): Promise<NamespaceView> {
  try {
    const addr = await runner.run({ file: 'ip', args: ['-n', namespace, '-j', 'addr', 'show'] });
    const qdiscs = withQdiscs ? parseQdiscs((await runner.run({ file: 'tc', args: ['-n', namespace, 'qdisc', 'show'] })).stdout) : new Map<string, string>();
    return { present: true, interfaces: parseIpAddr(addr.stdout), qdiscs };
  } catch {
    return { present: false, interfaces: new Map(), qdiscs: new Map() };
  }
}

export interface LiveLab {
  nodes: NodeStatus[];
  switch?: NodeStatus;
  links: LinkStatus[];
}

/** Read every namespace of the lab and assemble nodes and links. */
export async function inspectLab(layout: LabLayout, runner: CommandRunner, opts: { qdiscs?: boolean } = {}): Promise<LiveLab> {
  const names = [...layout.nodes.map((n) => ({ name: n.name, namespace: n.namespace })), ...(layout.switch ? [{ name: SWITCH_NODE, namespace: layout.switch.namespace }] : [])];
  const views = await forEachLimited(names, (n) => readNamespace(runner, n.namespace, opts.qdiscs ?? true));
  const viewOf = new Map(names.map((n, i) => [n.name, views[i] as NamespaceView]));
  const statusOf = (n: { name: string; namespace: string }): NodeStatus => {
    const view = viewOf.get(n.name) as NamespaceView;
    const interfaces = nodeInterfaces(layout, n.name).flatMap((end) => {
      const info = view.interfaces.get(end.ifname);
      if (!info) return [];
      const status: InterfaceStatus = { ...info, peer: end.peer };
      const q = view.qdiscs.get(end.ifname);
      if (q) status.impairment = q;
      return [status];
    });
    return { name: n.name, namespace: n.namespace, present: view.present, interfaces };
  };
  const nodes = layout.nodes.map(statusOf);
  const sw = layout.switch ? statusOf({ name: SWITCH_NODE, namespace: layout.switch.namespace }) : undefined;
  const find = (end: Endpoint): InterfaceStatus | undefined => findInterface({ nodes, ...(sw ? { switch: sw } : {}) }, end);
  const links = layout.links.map((link): LinkStatus => {
    const a = find(link.a);
    const b = find(link.b);
    const state = linkState(a, b);
    const status: LinkStatus = { a: link.a.node, b: link.b.node, aInterface: link.a.ifname, bInterface: link.b.ifname, state };
    const impairment = a?.impairment ?? b?.impairment;
    if (impairment) status.impairment = impairment;
    return status;
  });
  return sw ? { nodes, switch: sw, links } : { nodes, links };
}

export function linkState(a: InterfaceInfo | undefined, b: InterfaceInfo | undefined): LinkState {
  if (!a || !b) return 'missing';
  return a.adminUp && b.adminUp && a.carrier && b.carrier ? 'up' : 'down';
}

/** One interface read from inside its namespace, or undefined when it (or the namespace) is gone. */
export async function readEndpoint(runner: CommandRunner, end: Endpoint): Promise<InterfaceInfo | undefined> {
  try {
    const { stdout } = await runner.run({ file: 'ip', args: ['-n', end.namespace, '-j', 'addr', 'show', 'dev', end.ifname] });
    return parseIpAddr(stdout).get(end.ifname);
  } catch {
    return undefined;
  }
}

/** The live state of one end of a link, when that interface exists. */
export function findInterface(live: Pick<LiveLab, 'nodes' | 'switch'>, end: Endpoint): InterfaceStatus | undefined {
  const owner = end.node === live.switch?.name ? live.switch : live.nodes.find((n) => n.name === end.node);
  return owner?.interfaces.find((i) => i.ifname === end.ifname);
}
