/**
 * Human output of `skein lab up` and `skein lab status`: the nodes with
 * their interfaces and link-local addresses, then the links. Pure.
 */
import type { LabStatus } from '../../lab/index.js';
import type { InterfaceStatus, NodeStatus } from '../../lab/inspect.js';
import { formatTable } from '../../util/table.js';

function interfaceState(i: InterfaceStatus): string {
  if (!i.adminUp) return 'down';
  return i.carrier ? 'up' : 'no-carrier';
}

function nodeRows(node: NodeStatus): string[][] {
  if (!node.present) return [[node.name, node.namespace, '(namespace missing)', '', '', '']];
  if (node.interfaces.length === 0) return [[node.name, node.namespace, '(no interfaces)', '', '', '']];
  return node.interfaces.map((i, k) => [
    k === 0 ? node.name : '',
    k === 0 ? node.namespace : '',
    i.ifname,
    i.peer,
    interfaceState(i),
    i.linkLocal ? `${i.linkLocal}%${i.ifname}` : '-',
  ]);
}

/** "1 link", "3 links". */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

export function formatLabSummary(status: LabStatus): string {
  const seed = status.seed !== undefined ? ` (seed ${status.seed})` : '';
  const links = status.switch ? `one shared segment through switch ${status.switch.namespace}` : count(status.links.length, 'link');
  const partial = status.complete ? '' : ' — INCOMPLETE (still building, or its builder died: skein lab down)';
  return `lab '${status.name}': ${count(status.nodeCount, 'node')}, ${status.topology} topology${seed}, ${links}${partial}\nstate: ${status.dir}`;
}

export function formatLabStatus(status: LabStatus): string {
  const nodes = formatTable(['node', 'namespace', 'interface', 'peer', 'state', 'link-local'], status.nodes.flatMap(nodeRows));
  const links = formatTable(
    ['link', 'state', 'interfaces', 'impairment'],
    status.links.map((l) => [`${l.a} — ${l.b}`, l.state, `${l.aInterface} ↔ ${l.bInterface}`, l.impairment ?? '-']),
  );
  return `${formatLabSummary(status)}\n\n${nodes}\n\n${links}`;
}
