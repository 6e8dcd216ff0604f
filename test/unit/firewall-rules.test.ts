/**
 * Firewall rules in skein.toml: what parses, the typed rules it gives, and
 * errors that name the key (`firewall.inbound[2].port: ...`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/node/config.js';
import { CONNTRACK_DEFAULTS, describeRule, parsePort } from '../../src/dataplane/firewall/rules.js';
import { isSkeinError, ErrorCodes } from '../../src/util/errors.js';

const BASE = 'key = "node.key"\ncertificate = "node.crt"\nca = ["ca.crt"]\n';
const parse = (toml: string) => parseConfigText(BASE + toml, 'skein.toml');

function configError(toml: string): string {
  try {
    parse(toml);
  } catch (err) {
    assert.ok(isSkeinError(err, ErrorCodes.CONFIG), String(err));
    return err.message;
  }
  assert.fail(`accepted:\n${toml}`);
}

test('no [firewall]: no rules, the documented conntrack defaults', () => {
  const c = parse('');
  assert.deepEqual(c.firewall.inbound, []);
  assert.deepEqual(c.firewall.outbound, []);
  assert.deepEqual(c.firewall.conntrack, CONNTRACK_DEFAULTS);
});

test('rules parse into typed rules: ports, ranges, any, groups (all of), name, id, deny, labels', () => {
  const id = '0123456789abcdef0123456789abcdef';
  const c = parse(`[firewall]
inbound = [
  { proto = "tcp", port = 5432, group = "web" },
  { proto = "tcp", port = "22", group = ["admin", "ops", "admin"] },
  { proto = "udp", port = "8000-8100", name = "metrics1" },
  { proto = "icmp", any = true },
  { proto = "any", port = "any", id = "${id}", action = "deny", label = "quarantine" },
]
[[firewall.outbound]]
proto = "tcp"
port = 443
any = true
[firewall.conntrack]
tcp_timeout_ms = 120000
max_flows = 1000
max_flows_per_peer = 100
`);
  const [pg, ssh, metrics, icmp, quarantine] = c.firewall.inbound;
  assert.deepEqual(pg, { direction: 'inbound', index: 0, label: 'inbound[0]', action: 'allow', proto: 'tcp', ports: { from: 5432, to: 5432 }, who: { kind: 'groups', groups: ['web'] } });
  assert.deepEqual(ssh?.who, { kind: 'groups', groups: ['admin', 'ops'] });
  assert.deepEqual(ssh?.ports, { from: 22, to: 22 });
  assert.deepEqual(metrics?.ports, { from: 8000, to: 8100 });
  assert.deepEqual(metrics?.who, { kind: 'name', name: 'metrics1' });
  assert.equal(icmp?.ports, null);
  assert.deepEqual(icmp?.who, { kind: 'any' });
  assert.equal(quarantine?.label, 'quarantine');
  assert.equal(quarantine?.action, 'deny');
  assert.equal(quarantine?.ports, null);
  assert.deepEqual(quarantine?.who, { kind: 'id', id });
  assert.equal(c.firewall.outbound[0]?.label, 'outbound[0]');
  assert.equal(c.firewall.conntrack.tcpTimeoutMs, 120_000);
  assert.equal(c.firewall.conntrack.udpTimeoutMs, CONNTRACK_DEFAULTS.udpTimeoutMs);
  assert.equal(c.firewall.conntrack.maxFlows, 1000);
  assert.equal(describeRule(pg!), 'allow tcp 5432 from group web');
  assert.equal(describeRule(ssh!), 'allow tcp 22 from groups admin + ops');
  assert.equal(describeRule(icmp!), 'allow icmp from any member');
  assert.equal(describeRule(c.firewall.outbound[0]!), 'allow tcp 443 to any member');
});

test('errors name the key and the reason', () => {
  const cases: Array<[string, RegExp]> = [
    ['{ proto = "tcp", port = 80, any = true }, { proto = "tcp", port = 1, any = true }, { proto = "tcp", port = "8100-8000", group = "x" }', /skein\.toml: firewall\.inbound\[2\]\.port: "8100-8000": the range's first port is above its last/],
    ['{ proto = "tcp", group = "web" }', /firewall\.inbound\[0\]\.port: required for proto "tcp"/],
    ['{ proto = "tcp", port = 70000, any = true }', /firewall\.inbound\[0\]\.port: 70000: must be a port from 1 to 65535/],
    ['{ proto = "tcp", port = 0, any = true }', /firewall\.inbound\[0\]\.port: 0: must be a port/],
    ['{ proto = "udp", port = "http", any = true }', /firewall\.inbound\[0\]\.port: "http": must be a port number, a range "8000-8100" or "any"/],
    ['{ proto = "icmp", port = 8, any = true }', /firewall\.inbound\[0\]\.port: ICMPv6 has no ports/],
    ['{ proto = "tcp", port = 22 }', /firewall\.inbound\[0\]: give exactly one of group, name, id or any = true: none is given/],
    ['{ proto = "tcp", port = 22, group = "web", name = "a" }', /firewall\.inbound\[0\]: give exactly one of .*group and name are given/],
    ['{ proto = "sctp", port = 22, any = true }', /firewall\.inbound\[0\]\.proto: must be "tcp", "udp", "icmp" or "any"/],
    ['{ proto = "tcp", port = 22, group = "Web" }', /firewall\.inbound\[0\]\.group: must be a group name/],
    ['{ proto = "tcp", port = 22, group = [] }', /firewall\.inbound\[0\]\.group: must name at least one group/],
    ['{ proto = "tcp", port = 22, id = "abc" }', /firewall\.inbound\[0\]\.id: must be a node id/],
    ['{ proto = "tcp", port = 22, any = false }', /firewall\.inbound\[0\]\.any: must be true/],
    ['{ proto = "tcp", port = 22, any = true, action = "reject" }', /firewall\.inbound\[0\]\.action: must be "allow" or "deny"/],
    ['{ proto = "tcp", port = 22, any = true, colour = "red" }', /firewall\.inbound\[0\]\.colour: unknown key/],
    ['{ proto = "tcp", port = 22, any = true, label = "a" }, { proto = "tcp", port = 23, any = true, label = "a" }', /firewall\.inbound\[1\]\.label: "a" is already the label of inbound\[0\]/],
  ];
  for (const [rules, expected] of cases) assert.match(configError(`[firewall]\ninbound = [${rules}]\n`), expected, rules);
  assert.match(configError('[firewall]\nforward = []\n'), /firewall\.forward: unknown key/);
  assert.match(configError('[firewall.conntrack]\nmax_flows = 100\nmax_flows_per_peer = 200\n'), /firewall\.conntrack\.max_flows_per_peer: must not exceed max_flows \(100\)/);
  assert.match(configError('[firewall.conntrack]\nudp_timeout_ms = 10\n'), /firewall\.conntrack\.udp_timeout_ms: /);
  const many = Array.from({ length: 1025 }, (_, i) => `{ proto = "tcp", port = ${(i % 65535) + 1}, any = true }`).join(', ');
  assert.match(configError(`[firewall]\noutbound = [${many}]\n`), /firewall\.outbound: .*1024/);
});

test('parsePort: numbers, ranges, any; the reason otherwise', () => {
  assert.deepEqual(parsePort(22), { from: 22, to: 22 });
  assert.deepEqual(parsePort('22'), { from: 22, to: 22 });
  assert.deepEqual(parsePort('1-65535'), { from: 1, to: 65535 });
  assert.equal(parsePort('any'), null);
  for (const bad of ['', '-1', '1-', '1-2-3', ' 22', '22 ', '99999', 'any1', 1.5, -3]) assert.equal(typeof parsePort(bad), 'string', String(bad));
});
