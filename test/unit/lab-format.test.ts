import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLabStatus } from '../../src/cli/commands/lab-format.js';
import type { LabStatus } from '../../src/lab/index.js';

const iface = (ifname: string, peer: string, linkLocal?: string, adminUp = true) => ({ ifname, peer, adminUp, carrier: adminUp, mac: '02:00:00:00:00:01', ...(linkLocal ? { linkLocal } : {}) });

test('status output: nodes with interfaces and scoped link-local addresses, then links with state and impairment', () => {
  const status: LabStatus = {
    name: 'demo',
    topology: 'line',
    nodeCount: 2,
    dir: '/run/skein-lab/demo',
    createdAt: '2025-01-01T00:00:00.000Z',
    complete: true,
    nodes: [
      { name: 'n1', namespace: 'skein-demo-n1', present: true, interfaces: [iface('demo-n2', 'n2', 'fe80::1')] },
      { name: 'n2', namespace: 'skein-demo-n2', present: true, interfaces: [iface('demo-n1', 'n1', undefined, false)] },
    ],
    links: [{ a: 'n1', b: 'n2', aInterface: 'demo-n2', bInterface: 'demo-n1', state: 'down', impairment: 'tbf rate 10Mbit' }],
  };
  assert.equal(formatLabStatus(status), [
    "lab 'demo': 2 nodes, line topology, 1 link",
    'state: /run/skein-lab/demo',
    '',
    'NODE  NAMESPACE      INTERFACE  PEER  STATE  LINK-LOCAL',
    'n1    skein-demo-n1  demo-n2    n2    up     fe80::1%demo-n2',
    'n2    skein-demo-n2  demo-n1    n1    down   -',
    '',
    'LINK     STATE  INTERFACES         IMPAIRMENT',
    'n1 — n2  down   demo-n2 ↔ demo-n1  tbf rate 10Mbit',
  ].join('\n'));
  assert.match(formatLabStatus({ ...status, complete: false, seed: 5, topology: 'random' }), /random topology \(seed 5\), 1 link — INCOMPLETE/);
});
