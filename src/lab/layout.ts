/**
 * A lab's layout: which namespaces and interfaces it has and which
 * interfaces form each link, computed from its name and topology. Pure and
 * deterministic, so any process can recompute it from the state file.
 *
 * A `bridge` lab is modelled as one link per node, from the node to the
 * hidden switch node `sw`, whose ports hang off one bridge.
 */
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { bridgeName, interfaceName, namespaceName, nodeIndex, nodeName, SWITCH_NODE } from './naming.js';
import type { Topology } from './topology.js';

export interface Endpoint {
  node: string;
  namespace: string;
  ifname: string;
}

export interface LinkLayout {
  /** The end with the lower node index (the node, for a switch link). */
  a: Endpoint;
  b: Endpoint;
}

export interface NodeLayout {
  name: string;
  namespace: string;
}

export interface SwitchLayout {
  namespace: string;
  bridge: string;
}

export interface LabLayout {
  name: string;
  topology: Topology;
  nodes: NodeLayout[];
  switch?: SwitchLayout;
  links: LinkLayout[];
}

export function layoutLab(lab: string, topology: Topology): LabLayout {
  const nodes: NodeLayout[] = [];
  for (let i = 1; i <= topology.nodeCount; i++) nodes.push({ name: nodeName(i), namespace: namespaceName(lab, nodeName(i)) });
  const endpoint = (node: string, peer: string): Endpoint => ({ node, namespace: namespaceName(lab, node), ifname: interfaceName(lab, peer) });
  if (topology.shared) {
    return {
      name: lab,
      topology,
      nodes,
      switch: { namespace: namespaceName(lab, SWITCH_NODE), bridge: bridgeName(lab) },
      links: nodes.map((n) => ({ a: endpoint(n.name, SWITCH_NODE), b: endpoint(SWITCH_NODE, n.name) })),
    };
  }
  const links = topology.links.map(([x, y]) => ({ a: endpoint(nodeName(x), nodeName(y)), b: endpoint(nodeName(y), nodeName(x)) }));
  return { name: lab, topology, nodes, links };
}

/** Every namespace of the lab, nodes first, the switch (if any) last. */
export function layoutNamespaces(layout: LabLayout): string[] {
  return [...layout.nodes.map((n) => n.namespace), ...(layout.switch ? [layout.switch.namespace] : [])];
}

/** The namespace of a node (or of the switch), or a usage error naming the known nodes. */
export function resolveNode(layout: LabLayout, node: string): string {
  if (node === SWITCH_NODE && layout.switch) return layout.switch.namespace;
  const index = nodeIndex(node);
  const found = index === undefined ? undefined : layout.nodes[index - 1];
  if (!found) throw new SkeinError(ErrorCodes.USAGE, `unknown node '${node}' in lab '${layout.name}' (nodes: ${knownNodes(layout)})`);
  return found.namespace;
}

/** The interfaces a node (or the switch) has, each with the node at its other end. */
export function nodeInterfaces(layout: LabLayout, node: string): Array<Endpoint & { peer: string }> {
  resolveNode(layout, node);
  const out: Array<Endpoint & { peer: string }> = [];
  for (const link of layout.links) {
    if (link.a.node === node) out.push({ ...link.a, peer: link.b.node });
    if (link.b.node === node) out.push({ ...link.b, peer: link.a.node });
  }
  return out;
}

/** The link between two nodes, in either order, or a usage error. */
export function findLink(layout: LabLayout, x: string, y: string): LinkLayout {
  resolveNode(layout, x);
  resolveNode(layout, y);
  const link = layout.links.find((l) => (l.a.node === x && l.b.node === y) || (l.a.node === y && l.b.node === x));
  if (!link) {
    const hint = layout.switch ? ` (in a bridge lab every link joins a node to the switch: use '${x} ${SWITCH_NODE}')` : '';
    throw new SkeinError(ErrorCodes.USAGE, `no link between ${x} and ${y} in lab '${layout.name}'${hint}`);
  }
  return link;
}

function knownNodes(layout: LabLayout): string {
  const names = layout.nodes.length <= 3 ? layout.nodes.map((n) => n.name).join(', ') : `n1 … n${layout.nodes.length}`;
  return layout.switch ? `${names}, ${SWITCH_NODE}` : names;
}
