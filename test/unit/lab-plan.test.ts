import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findLink, layoutLab, layoutNamespaces, nodeInterfaces, resolveNode } from '../../src/lab/layout.js';
import {
  IFNAME_MAX_LENGTH,
  interfaceName,
  namespaceName,
  nodeIndex,
  parseNamespaceName,
  validateLabName,
} from '../../src/lab/naming.js';
import { buildPlan, setLinkCommands } from '../../src/lab/plan.js';
import { generateTopology, MAX_LAB_NODES, TOPOLOGY_KINDS } from '../../src/lab/topology.js';
import { ErrorCodes, isSkeinError } from '../../src/util/errors.js';

const usage = (pattern: RegExp) => (err: unknown) => isSkeinError(err, ErrorCodes.USAGE) && pattern.test(err.message) && !err.message.includes('\n');

test('lab names: 1-10 lowercase letters/digits starting with a letter', () => {
  for (const ok of ['a', 'lab', 'demo2', 'abcdefghij']) assert.equal(validateLabName(ok), ok);
  for (const bad of ['', '1lab', 'Lab', 'a-b', 'a_b', 'abcdefghijk', 'lab ', 'ünï']) {
    assert.throws(() => validateLabName(bad), usage(/invalid lab name .*15 characters/));
  }
});

test('names carry the lab name; namespaces parse back; interface names fit in 15 characters', () => {
  assert.equal(namespaceName('demo', 'n3'), 'skein-demo-n3');
  assert.deepEqual(parseNamespaceName('skein-demo-n3'), { lab: 'demo', node: 'n3' });
  assert.deepEqual(parseNamespaceName('skein-demo-sw'), { lab: 'demo', node: 'sw' });
  for (const other of ['skein-demo', 'skein-demo-n0', 'skein-demo-n251', 'skein-de-mo-n1', 'demo-n1', 'skein-demo-x1']) {
    assert.equal(parseNamespaceName(other), undefined, other);
  }
  assert.equal(nodeIndex('n250'), 250);
  assert.equal(nodeIndex('n01'), undefined);
  assert.equal(interfaceName('abcdefghij', `n${MAX_LAB_NODES}`).length, IFNAME_MAX_LENGTH);
});

test('every topology at the largest size and longest lab name gives unique, short interface names per namespace', () => {
  for (const kind of TOPOLOGY_KINDS) {
    const layout = layoutLab('abcdefghij', generateTopology({ kind, nodes: MAX_LAB_NODES, seed: 3 }));
    for (const ns of [...layout.nodes.map((n) => n.name), ...(layout.switch ? ['sw'] : [])]) {
      const names = nodeInterfaces(layout, ns).map((i) => i.ifname);
      assert.equal(new Set(names).size, names.length, `${kind}: ${ns} has unique interface names`);
      assert.ok(names.every((n) => n.length <= IFNAME_MAX_LENGTH && n.startsWith('abcdefghij-')));
    }
  }
});

test('ring layout: one link per topology edge, each end named after its peer', () => {
  const layout = layoutLab('demo', generateTopology({ kind: 'ring', nodes: 4 }));
  assert.equal(layout.links.length, 4);
  const link = findLink(layout, 'n4', 'n1');
  assert.deepEqual(link.a, { node: 'n1', namespace: 'skein-demo-n1', ifname: 'demo-n4' });
  assert.deepEqual(link.b, { node: 'n4', namespace: 'skein-demo-n4', ifname: 'demo-n1' });
  assert.deepEqual(nodeInterfaces(layout, 'n1').map((i) => `${i.ifname}>${i.peer}`), ['demo-n2>n2', 'demo-n4>n4']);
  assert.deepEqual(layoutNamespaces(layout), ['skein-demo-n1', 'skein-demo-n2', 'skein-demo-n3', 'skein-demo-n4']);
});

test('bridge layout: a hidden switch namespace with one port per node', () => {
  const layout = layoutLab('demo', generateTopology({ kind: 'bridge', nodes: 3 }));
  assert.deepEqual(layout.switch, { namespace: 'skein-demo-sw', bridge: 'demo-br' });
  assert.equal(layout.links.length, 3);
  assert.deepEqual(nodeInterfaces(layout, 'n2').map((i) => i.ifname), ['demo-sw']);
  assert.deepEqual(nodeInterfaces(layout, 'sw').map((i) => i.ifname), ['demo-n1', 'demo-n2', 'demo-n3']);
  assert.equal(resolveNode(layout, 'sw'), 'skein-demo-sw');
  assert.throws(() => findLink(layout, 'n1', 'n2'), usage(/no link between n1 and n2 .*use 'n1 sw'/));
});

test('unknown nodes and missing links are one-line usage errors', () => {
  const layout = layoutLab('demo', generateTopology({ kind: 'line', nodes: 5 }));
  assert.throws(() => resolveNode(layout, 'n6'), usage(/unknown node 'n6' in lab 'demo' \(nodes: n1 … n5\)/));
  assert.throws(() => resolveNode(layout, 'sw'), usage(/unknown node 'sw'/));
  assert.throws(() => resolveNode(layout, 'bob'), usage(/unknown node 'bob'/));
  assert.throws(() => findLink(layout, 'n1', 'n3'), usage(/no link between n1 and n3 in lab 'demo'$/));
});

test('build plan: every command names a lab namespace, veths are born inside namespaces, DAD off before links', () => {
  for (const kind of TOPOLOGY_KINDS) {
    const layout = layoutLab('demo', generateTopology({ kind, nodes: 5, seed: 9 }));
    const commands = buildPlan(layout).flatMap((s) => s.commands);
    for (const c of commands) {
      const touchesNamespace = (c.args[0] === '-n' || (c.args[0] === 'netns' && c.args[2] !== undefined)) && c.args.some((a) => a.startsWith('skein-demo-'));
      assert.ok(touchesNamespace, `${kind}: '${c.args.join(' ')}' runs inside a lab namespace`);
    }
    const vethAdds = commands.filter((c) => c.args.includes('veth'));
    assert.equal(vethAdds.length, layout.links.length, `${kind}: one veth pair per link`);
    for (const c of vethAdds) assert.equal(c.args[c.args.indexOf('netns') - 3], 'peer');
    const firstVeth = commands.indexOf(vethAdds[0]!);
    const lastDad = commands.map((c) => c.args.includes('tee')).lastIndexOf(true);
    assert.ok(lastDad < firstVeth, `${kind}: accept_dad=0 is written before any veth exists`);
    assert.equal(commands.filter((c) => c.args.includes('tee')).length, layout.nodes.length, 'DAD off in node namespaces only');
    assert.ok(commands.filter((c) => c.args.includes('tee')).every((c) => c.input === '0\n'));
  }
});

test('bridge plan: snooping off, no addresses on the switch, ports enslaved', () => {
  const layout = layoutLab('demo', generateTopology({ kind: 'bridge', nodes: 2 }));
  const lines = buildPlan(layout).flatMap((s) => s.commands).map((c) => c.args.join(' '));
  assert.ok(lines.includes('-n skein-demo-sw link add name demo-br type bridge mcast_snooping 0'));
  assert.ok(lines.includes('-n skein-demo-sw link set dev demo-br addrgenmode none'));
  assert.ok(lines.includes('-n skein-demo-sw link add demo-n1 type veth peer name demo-sw netns skein-demo-n1'));
  assert.ok(lines.includes('-n skein-demo-sw link set dev demo-n2 master demo-br up'));
  assert.ok(lines.indexOf('-n skein-demo-sw link set dev demo-n2 addrgenmode none') < lines.indexOf('-n skein-demo-sw link set dev demo-n2 master demo-br up'));
});

test('cut/heal commands change both ends of the link', () => {
  const layout = layoutLab('demo', generateTopology({ kind: 'line', nodes: 3 }));
  const link = findLink(layout, 'n3', 'n2');
  assert.deepEqual(setLinkCommands(link, 'down').map((c) => c.args.join(' ')), [
    '-n skein-demo-n2 link set dev demo-n3 down',
    '-n skein-demo-n3 link set dev demo-n2 down',
  ]);
});
