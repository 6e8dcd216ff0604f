/**
 * Matching a packet's protocol, port and proven peer against a rule list:
 * groups (all of several), names, ids, any; ports, ranges, any port;
 * protocols; the first matching rule decides.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuleSet, type MatchFields } from '../../src/dataplane/firewall/match.js';
import { IpProto } from '../../src/dataplane/firewall/flow-fields.js';
import { DB, OPS, PLAIN, WEB, settings } from './firewall-fixtures.js';

const tcp = (port: number): MatchFields => ({ proto: IpProto.TCP, dstPort: port, hasPorts: true });
const udp = (port: number): MatchFields => ({ proto: IpProto.UDP, dstPort: port, hasPorts: true });
const icmp: MatchFields = { proto: IpProto.ICMPV6, dstPort: 0, hasPorts: false };
const gre: MatchFields = { proto: 47, dstPort: 0, hasPorts: false };

function rules(inbound: unknown[]): RuleSet {
  return new RuleSet(settings({ inbound }).inbound);
}

test('a group rule matches members holding the group, and only them', () => {
  const set = rules([{ proto: 'tcp', port: 5432, group: 'web' }]);
  assert.equal(set.match(tcp(5432), WEB)?.index, 0);
  assert.equal(set.match(tcp(5432), OPS)?.index, 0, 'ops1 is in web too');
  assert.equal(set.match(tcp(5432), DB), undefined);
  assert.equal(set.match(tcp(5432), PLAIN), undefined);
  assert.equal(set.match(tcp(5432), { idText: PLAIN.idText, name: 'plain' }), undefined, 'no groups at all');
});

test('several groups: the peer must hold ALL of them', () => {
  const set = rules([{ proto: 'tcp', port: 22, group: ['admin', 'web'] }]);
  assert.equal(set.match(tcp(22), OPS)?.index, 0);
  assert.equal(set.match(tcp(22), WEB), undefined, 'web alone is not enough');
  assert.equal(set.match(tcp(22), { ...PLAIN, groups: ['admin'] }), undefined, 'admin alone is not enough');
});

test('name, id and any', () => {
  const set = rules([
    { proto: 'tcp', port: 1, name: 'db1' },
    { proto: 'tcp', port: 2, id: WEB.idText },
    { proto: 'tcp', port: 3, any: true },
  ]);
  assert.equal(set.match(tcp(1), DB)?.index, 0);
  assert.equal(set.match(tcp(1), WEB), undefined);
  assert.equal(set.match(tcp(2), WEB)?.index, 1);
  assert.equal(set.match(tcp(2), { ...OPS, name: 'web1' }), undefined, 'an id rule is about the key, not the name');
  for (const p of [WEB, DB, OPS, PLAIN]) assert.equal(set.match(tcp(3), p)?.index, 2);
});

test('a name rule asks the node who holds the name (one member per name)', () => {
  const impostor = { ...PLAIN, name: 'db1' };
  const set = new RuleSet(settings({ inbound: [{ proto: 'tcp', port: 1, name: 'db1' }] }).inbound, (peer, name) => peer.name === name && peer.idText === DB.idText);
  assert.equal(set.match(tcp(1), DB)?.index, 0);
  assert.equal(set.match(tcp(1), impostor), undefined, 'a second certificate for db1 does not match');
});

test('ports: a number, a range (inclusive), any port', () => {
  const set = rules([
    { proto: 'udp', port: '8000-8100', any: true },
    { proto: 'tcp', port: 443, any: true },
    { proto: 'tcp', port: 'any', group: 'admin' },
  ]);
  for (const p of [8000, 8050, 8100]) assert.equal(set.match(udp(p), PLAIN)?.index, 0, `udp ${p}`);
  for (const p of [7999, 8101]) assert.equal(set.match(udp(p), PLAIN), undefined, `udp ${p}`);
  assert.equal(set.match(tcp(443), PLAIN)?.index, 1);
  assert.equal(set.match(tcp(444), PLAIN), undefined);
  assert.equal(set.match(tcp(444), OPS)?.index, 2);
  assert.equal(set.match(tcp(1), OPS)?.index, 2);
  assert.equal(set.match({ proto: IpProto.TCP, dstPort: 0, hasPorts: false }, PLAIN), undefined, 'a later fragment has no port: only port-any rules');
  assert.equal(set.match({ proto: IpProto.TCP, dstPort: 0, hasPorts: false }, OPS)?.index, 2);
});

test('protocols: tcp, udp, icmp, any; a rule with a port never matches ICMPv6 or other protocols', () => {
  const set = rules([
    { proto: 'tcp', port: 53, name: 'web1' },
    { proto: 'udp', port: 53, name: 'db1' },
    { proto: 'icmp', name: 'ops1' },
    { proto: 'any', port: 9, name: 'plain' },
    { proto: 'any', port: 'any', group: 'admin' },
  ]);
  assert.equal(set.match(tcp(53), WEB)?.index, 0);
  assert.equal(set.match(udp(53), WEB), undefined);
  assert.equal(set.match(udp(53), DB)?.index, 1);
  assert.equal(set.match(tcp(53), DB), undefined);
  assert.equal(set.match(icmp, OPS)?.index, 2);
  assert.equal(set.match(icmp, WEB), undefined);
  assert.equal(set.match(tcp(9), PLAIN)?.index, 3);
  assert.equal(set.match(udp(9), PLAIN)?.index, 3);
  assert.equal(set.match(icmp, PLAIN), undefined, 'proto any with a port: TCP and UDP only');
  assert.equal(set.match(gre, PLAIN), undefined);
  assert.equal(set.match(gre, OPS)?.index, 4, 'proto any, port any: every protocol');
  assert.equal(set.match(icmp, { ...PLAIN, groups: ['admin'] })?.index, 4);
});

test('the first matching rule decides, deny rules included', () => {
  const set = rules([
    { proto: 'tcp', port: 5432, name: 'web1', action: 'deny', label: 'not-web1' },
    { proto: 'tcp', port: 5432, group: 'web' },
  ]);
  assert.equal(set.match(tcp(5432), WEB)?.label, 'not-web1');
  assert.equal(set.match(tcp(5432), WEB)?.action, 'deny');
  assert.equal(set.match(tcp(5432), OPS)?.index, 1);
  assert.equal(rules([]).isEmpty, true);
});
