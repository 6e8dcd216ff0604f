/**
 * The firewall on whole IPv6 packets, both directions, by the peer's proven
 * identity: default deny inbound once a rule exists, default allow
 * outbound until one does; replies of tracked flows; ICMPv6 errors about
 * allowed flows; a spoofed inner source; reloads that cut and restore flows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Firewall } from '../../src/dataplane/firewall/firewall.js';
import { checkInboundAddresses } from '../../src/dataplane/addressing.js';
import { ipv6FromText } from '../../src/util/ipv6-text.js';
import { ADDRESS, DB, OPS, PLAIN, US, WEB, from, lookupPeer, settings, to } from './firewall-fixtures.js';
import { echo, icmpError, icmpOther, tcp, udp, withExtensions, TcpFlag } from '../helpers/packets.js';

const DB_RULES = {
  inbound: [
    { proto: 'tcp', port: 5432, group: 'web', label: 'postgres' },
    { proto: 'tcp', port: 22, group: 'admin', label: 'ssh' },
    { proto: 'icmp', any: true },
  ],
};

function firewall(raw: Parameters<typeof settings>[0]) {
  return new Firewall({ settings: settings(raw), lookupPeer });
}

test('no rules: the firewall is inactive and everything passes, untracked', () => {
  const fw = firewall({});
  assert.equal(fw.active, false);
  assert.equal(fw.inbound(PLAIN, tcp(from(PLAIN), 40000, 5432, TcpFlag.SYN), 0).allow, true);
  assert.equal(fw.defaultAllows('inbound'), true);
  assert.equal(fw.defaultAllows('outbound'), true);
});

test('inbound: a rule admits its group; everyone else is denied by default and counted', () => {
  const fw = firewall(DB_RULES);
  const v = fw.inbound(WEB, tcp(from(WEB), 40000, 5432, TcpFlag.SYN), 0);
  assert.equal(v.allow, true);
  assert.equal(v.rule?.label, 'postgres');
  assert.equal(fw.inbound(WEB, tcp(from(WEB), 40000, 5432), 1).reason, 'tracked', 'the rest of the connection is tracked');
  const denied = fw.inbound(PLAIN, tcp(from(PLAIN), 40000, 5432, TcpFlag.SYN), 2);
  assert.equal(denied.allow, false);
  assert.equal(denied.reason, 'default');
  assert.equal(fw.inbound(WEB, tcp(from(WEB), 40001, 22, TcpFlag.SYN), 3).allow, false, 'ssh: admin only');
  assert.equal(fw.inbound(OPS, tcp(from(OPS), 40001, 22, TcpFlag.SYN), 3).rule?.label, 'ssh');
  assert.equal(fw.inbound(WEB, udp(from(WEB), 40000, 5432), 4).allow, false, 'tcp rule, udp packet');
  assert.equal(fw.counters.drops.inbound.default, 3);
  assert.equal(fw.defaultAllows('inbound'), false);
  assert.equal(fw.defaultAllows('outbound'), true, 'no outbound rules: outbound stays open');
});

test('a deny rule drops and is counted under its own label', () => {
  const fw = firewall({ inbound: [{ proto: 'tcp', port: 5432, name: 'web1', action: 'deny', label: 'not-web1' }, ...DB_RULES.inbound] });
  assert.equal(fw.inbound(WEB, tcp(from(WEB), 1, 5432, TcpFlag.SYN), 0).rule?.label, 'not-web1');
  assert.equal(fw.inbound(WEB, tcp(from(WEB), 2, 5432, TcpFlag.SYN), 0).allow, false);
  assert.equal(fw.dropsOf(fw.rules('inbound')[0]!), 2);
  assert.equal(fw.counters.drops.inbound.default, 0);
  assert.equal(fw.inbound(OPS, tcp(from(OPS), 1, 5432, TcpFlag.SYN), 0).allow, true);
});

test('replies to an outbound connection pass inbound rules that would refuse them as new flows', () => {
  const fw = firewall(DB_RULES); // nothing inbound for port 40000 from db1
  assert.equal(fw.outbound(DB.idText, tcp(to(DB), 40000, 443, TcpFlag.SYN), 0).allow, true);
  const reply = fw.inbound(DB, tcp(from(DB), 443, 40000, TcpFlag.SYN | TcpFlag.ACK), 1);
  assert.deepEqual([reply.allow, reply.reason], [true, 'tracked']);
  assert.equal(fw.inbound(DB, tcp(from(DB), 443, 40001, TcpFlag.ACK), 1).allow, false, 'another port: not a reply');
  assert.equal(fw.inbound(PLAIN, tcp(from(PLAIN), 443, 40000, TcpFlag.ACK), 1).allow, false, 'the same ports from another member: not a reply');
  // UDP too.
  fw.outbound(DB.idText, udp(to(DB), 5353, 53), 2);
  assert.equal(fw.inbound(DB, udp(from(DB), 53, 5353), 3).reason, 'tracked');
});

test('echo replies to our echo requests pass; an unasked echo reply is judged by the rules', () => {
  const fw = firewall({ inbound: [{ proto: 'tcp', port: 5432, group: 'web' }] }); // no icmp rule
  assert.equal(fw.outbound(DB.idText, echo(to(DB), 'request', 77), 0).allow, true);
  assert.equal(fw.inbound(DB, echo(from(DB), 'reply', 77), 1).reason, 'tracked');
  assert.equal(fw.inbound(DB, echo(from(DB), 'reply', 78), 1).allow, false, 'another identifier');
  assert.equal(fw.inbound(DB, echo(from(DB), 'request', 77), 1).allow, false, 'their request is not our reply');
  // Their echo request, admitted by a rule: our reply passes outbound rules that would refuse it.
  const fw2 = firewall({ inbound: [{ proto: 'icmp', group: 'db' }], outbound: [{ proto: 'tcp', port: 443, any: true }] });
  assert.equal(fw2.inbound(DB, echo(from(DB), 'request', 5), 0).allow, true);
  assert.equal(fw2.outbound(DB.idText, echo(to(DB), 'reply', 5), 1).reason, 'tracked');
  assert.equal(fw2.outbound(DB.idText, echo(to(DB), 'request', 5), 1).allow, false, 'outbound rules exist: default deny');
});

test('ICMPv6 errors about tracked flows pass (Packet Too Big, unreachable, time exceeded); others are judged as ICMPv6', () => {
  const fw = firewall({ inbound: [{ proto: 'tcp', port: 5432, group: 'web' }] });
  const sent = tcp(to(DB), 40000, 443, TcpFlag.SYN);
  fw.outbound(DB.idText, sent, 0);
  const sentUdp = udp(to(DB), 5353, 53, 1200);
  fw.outbound(DB.idText, sentUdp, 0);
  fw.outbound(DB.idText, echo(to(DB), 'request', 9), 0);
  for (const type of [1, 2, 3] as const) {
    const v = fw.inbound(DB, icmpError(from(DB), type, sent), 1);
    assert.deepEqual([v.allow, v.reason], [true, 'icmp-error'], `type ${type}`);
  }
  assert.equal(fw.inbound(DB, icmpError(from(DB), 2, sentUdp, 48), 1).reason, 'icmp-error', 'a quote of 8 transport bytes suffices');
  assert.equal(fw.inbound(DB, icmpError(from(DB), 1, echo(to(DB), 'request', 9)), 1).reason, 'icmp-error');
  // Not about a flow of ours: refused (no inbound icmp rule).
  assert.equal(fw.inbound(DB, icmpError(from(DB), 2, tcp(to(DB), 40000, 444)), 1).allow, false, 'other port');
  assert.equal(fw.inbound(PLAIN, icmpError(from(PLAIN), 2, sent), 1).allow, false, 'another member cannot speak for db1\'s flow');
  assert.equal(fw.inbound(DB, icmpError(from(DB), 2, sent, 44), 1).allow, false, 'a quote too short to name the flow');
  assert.equal(fw.inbound(DB, icmpOther(from(DB), 135), 1).allow, false, 'other ICMPv6: rules');
  // An error does not keep a flow alive.
  const before = fw.flows.peek(DB.idText, [...fw.flows.entries()][0]![1].key, 1)!.lastSeenMs;
  fw.inbound(DB, icmpError(from(DB), 2, sent), 50);
  assert.equal([...fw.flows.entries()][0]![1].lastSeenMs, before);
  // Errors we send about flows they began pass our outbound rules.
  const fw2 = firewall({ inbound: [{ proto: 'udp', port: 53, any: true }], outbound: [{ proto: 'tcp', port: 443, any: true }] });
  const asked = udp(from(WEB), 5353, 53);
  fw2.inbound(WEB, asked, 0);
  assert.equal(fw2.outbound(WEB.idText, icmpError(to(WEB), 1, asked), 1).reason, 'icmp-error');
  assert.equal(fw2.outbound(WEB.idText, icmpError(to(WEB), 1, udp(from(WEB), 5353, 54)), 1).allow, false);
});

test('a spoofed inner source never matches another member\'s rule: the sender\'s proven identity decides', () => {
  const fw = firewall({ inbound: [{ proto: 'tcp', port: 5432, id: WEB.idText }, { proto: 'tcp', port: 5433, name: 'web1' }, { proto: 'tcp', port: 5434, group: 'web' }] });
  // plain's session delivers a packet claiming web1's address as its source.
  const spoofedEnds = { src: ADDRESS[WEB.idText]!, dst: US };
  for (const port of [5432, 5433, 5434]) {
    assert.equal(fw.inbound(PLAIN, tcp(spoofedEnds, 40000, port, TcpFlag.SYN), 0).allow, false, `port ${port}`);
    assert.equal(fw.inbound(WEB, tcp(spoofedEnds, 40000, port, TcpFlag.SYN), 0).allow, true, `port ${port} from web1 itself`);
  }
  // A flow web1 began is not plain's to use with web1's address either.
  assert.equal(fw.inbound(PLAIN, tcp(spoofedEnds, 40000, 5432, TcpFlag.ACK), 0).allow, false);
  // And before the firewall, the TUN path drops such a packet outright (dataplane/receive-pipeline.ts).
  const packet = tcp(spoofedEnds, 40000, 5432, TcpFlag.SYN);
  assert.equal(checkInboundAddresses(packet, ipv6FromText(US), ipv6FromText(ADDRESS[PLAIN.idText]!)), 'spoofed');
  assert.equal(checkInboundAddresses(packet, ipv6FromText(US), ipv6FromText(ADDRESS[WEB.idText]!)), 'ok');
  assert.equal(checkInboundAddresses(packet, ipv6FromText(ADDRESS[DB.idText]!), ipv6FromText(ADDRESS[WEB.idText]!)), 'wrong-destination');
});

test('outbound rules: default deny once one exists; replies to admitted inbound flows pass', () => {
  const fw = firewall({ inbound: [{ proto: 'tcp', port: 22, any: true }], outbound: [{ proto: 'tcp', port: 5432, group: 'db' }, { proto: 'udp', port: 53, name: 'db1' }] });
  assert.equal(fw.outbound(DB.idText, tcp(to(DB), 40000, 5432, TcpFlag.SYN), 0).allow, true);
  assert.equal(fw.outbound(WEB.idText, tcp(to(WEB), 40000, 5432, TcpFlag.SYN), 0).allow, false, 'web1 is not in db');
  assert.equal(fw.outbound(DB.idText, udp(to(DB), 40000, 53), 0).allow, true);
  assert.equal(fw.outbound(DB.idText, tcp(to(DB), 40000, 80, TcpFlag.SYN), 0).allow, false);
  assert.equal(fw.counters.drops.outbound.default, 2);
  fw.inbound(WEB, tcp(from(WEB), 50000, 22, TcpFlag.SYN), 1);
  assert.equal(fw.outbound(WEB.idText, tcp(to(WEB), 22, 50000, TcpFlag.SYN | TcpFlag.ACK), 2).reason, 'tracked');
  assert.equal(fw.outbound('e'.repeat(32), tcp(to(DB), 1, 5432, TcpFlag.SYN), 3).allow, false, 'an unknown member has no groups');
});

test('a reload cuts tracked flows the new rules forbid (both ways, until quiet) and restores them if allowed again', () => {
  const fw = firewall(DB_RULES);
  fw.inbound(WEB, tcp(from(WEB), 40000, 5432, TcpFlag.SYN), 0);
  fw.inbound(OPS, tcp(from(OPS), 40001, 22, TcpFlag.SYN), 0);
  fw.outbound(WEB.idText, tcp(to(WEB), 5432, 40000, TcpFlag.SYN | TcpFlag.ACK), 0);
  const without = { inbound: DB_RULES.inbound.filter((r) => r.label !== 'postgres') };
  assert.deepEqual(fw.replace(settings(without), 10), { cut: 1, restored: 0 });
  const next = fw.inbound(WEB, tcp(from(WEB), 40000, 5432), 11);
  assert.deepEqual([next.allow, next.reason], [false, 'cut']);
  assert.equal(fw.outbound(WEB.idText, tcp(to(WEB), 5432, 40000), 11).reason, 'cut', 'our side of the cut flow cannot restart it');
  assert.equal(fw.inbound(WEB, tcp(from(WEB), 40009, 5432, TcpFlag.SYN), 11).allow, false, 'a new connection: no rule any more');
  assert.equal(fw.inbound(OPS, tcp(from(OPS), 40001, 22), 11).reason, 'tracked', 'the ssh flow is still allowed');
  assert.equal(fw.counters.drops.inbound.cut, 1);
  assert.equal(fw.counters.drops.outbound.cut, 1);
  assert.deepEqual(fw.replace(settings(DB_RULES), 12), { cut: 0, restored: 1 });
  assert.equal(fw.inbound(WEB, tcp(from(WEB), 40000, 5432), 13).reason, 'tracked');
  // Adding outbound rules judges flows we began again.
  fw.outbound(DB.idText, tcp(to(DB), 41000, 80, TcpFlag.SYN), 14);
  assert.deepEqual(fw.replace(settings({ ...DB_RULES, outbound: [{ proto: 'tcp', port: 443, any: true }] }), 15), { cut: 1, restored: 0 });
  assert.equal(fw.inbound(DB, tcp(from(DB), 80, 41000), 16).reason, 'cut');
});

test('drop counts by label survive a reload that keeps the rule', () => {
  const deny = { proto: 'tcp', port: 1, any: true, action: 'deny', label: 'one' };
  const fw = firewall({ inbound: [deny] });
  fw.inbound(WEB, tcp(from(WEB), 5, 1, TcpFlag.SYN), 0);
  fw.replace(settings({ inbound: [{ proto: 'tcp', port: 2, any: true }, deny] }), 1);
  assert.equal(fw.dropsOf(fw.rules('inbound')[1]!), 1);
  fw.replace(settings({ inbound: [{ proto: 'tcp', port: 2, any: true }] }), 2);
  fw.replace(settings({ inbound: [deny] }), 3);
  assert.equal(fw.dropsOf(fw.rules('inbound')[0]!), 0, 'a removed rule\'s count goes with it');
});

test('unreadable packets are dropped; extension headers are walked; later fragments are judged without ports', () => {
  const fw = firewall({ inbound: [{ proto: 'tcp', port: 5432, group: 'web' }, { proto: 'udp', port: 'any', group: 'db' }] });
  const truncated = tcp(from(WEB), 1, 5432, TcpFlag.SYN).subarray(0, 50);
  assert.equal(fw.inbound(WEB, truncated, 0).reason, 'malformed');
  assert.equal(fw.inbound(WEB, new Uint8Array(10), 0).reason, 'malformed');
  const short = tcp(from(WEB), 1, 5432, TcpFlag.SYN);
  short[5] = 8; // claims an 8-byte TCP header
  assert.equal(fw.inbound(WEB, short.subarray(0, 48), 0).reason, 'malformed');
  assert.equal(fw.counters.drops.inbound.malformed, 3);
  assert.equal(fw.inbound(WEB, withExtensions(tcp(from(WEB), 2, 5432, TcpFlag.SYN)), 0).rule?.index, 0, 'behind a destination-options header');
  assert.equal(fw.inbound(WEB, withExtensions(tcp(from(WEB), 3, 5432, TcpFlag.SYN), { offset: 0, more: true }), 0).rule?.index, 0, 'first fragment: ports read');
  assert.equal(fw.inbound(WEB, withExtensions(tcp(from(WEB), 3, 5432), { offset: 100, more: false }), 0).allow, false, 'a later fragment matches no port rule');
  assert.equal(fw.inbound(DB, withExtensions(udp(from(DB), 3, 9999), { offset: 100, more: false }), 0).rule?.index, 1, 'port any: it matches');
});

test('library datagrams: judged as UDP to their port; a datagram sent to a port lets the peer answer on it', () => {
  const fw = firewall({ inbound: [{ proto: 'udp', port: 7000, group: 'web' }] });
  assert.equal(fw.datagram('inbound', WEB, 7000, 0).allow, true);
  assert.equal(fw.datagram('inbound', PLAIN, 7000, 0).allow, false);
  assert.equal(fw.datagram('inbound', WEB, 7001, 0).allow, false);
  assert.equal(fw.datagram('outbound', DB, 9000, 1).allow, true, 'outbound: open');
  assert.equal(fw.datagram('inbound', DB, 9000, 2).reason, 'tracked', 'db1 answers on the port we sent to');
  assert.equal(fw.datagram('inbound', PLAIN, 9000, 2).allow, false);
  assert.equal(fw.inbound(DB, udp(from(DB), 9000, 9000), 2).allow, false, 'datagram flows are not UDP flows');
  assert.equal(firewall({}).datagram('inbound', PLAIN, 1, 0).allow, true, 'no rules: open');
});
