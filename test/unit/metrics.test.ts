/**
 * Prometheus metrics from a fake node: the expected series and values are
 * in the exposition text, per-link series follow the links, events are
 * counted, and the endpoint refuses a non-loopback address unless allowed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsService, NodeMetrics } from '../../src/control/metrics.js';
import { checkedListen } from '../../src/control/http-server.js';
import { ErrorCodes, SkeinError } from '../../src/util/errors.js';
import { silentLogger } from '../../src/util/log.js';
import { fakeNode, ID, neighbor } from './observability-fixtures.js';

/** The value of one series in exposition text (labels in the order prom-client writes them). */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('the scrape text holds every family with the node\'s current values', async () => {
  const node = fakeNode();
  const m = new NodeMetrics(node, { processMetrics: false });
  try {
    const text = await m.text();
    assert.equal(value(text, 'skein_links'), 2);
    assert.equal(value(text, 'skein_members'), 3);
    assert.equal(value(text, 'skein_routes'), 2);
    assert.equal(value(text, `skein_node_info{name="n1",id="${ID.n1}"}`), 1);
    assert.equal(value(text, 'skein_link_received_bytes_total{peer="n2",interface="eth0"}'), 12345);
    assert.equal(value(text, 'skein_link_sent_messages_total{peer="n2",interface="eth0"}'), 77);
    assert.equal(value(text, 'skein_link_rtt_seconds{peer="n2",interface="eth0"}'), 0.0015);
    assert.equal(value(text, 'skein_link_rtt_seconds{peer="n3",interface="eth1"}'), undefined, 'no RTT sample yet: no series');
    assert.equal(value(text, 'skein_link_handshake_failures_total'), 3);
    assert.equal(value(text, 'skein_link_auth_failures_total'), 7);
    assert.equal(value(text, 'skein_link_inbound_total{result="refused_busy"}'), 1);
    assert.equal(value(text, 'skein_forward_drops_total{reason="no_route"}'), 6);
    assert.equal(value(text, 'skein_forward_drops_total{reason="hop_limit_exceeded"}'), 4);
    assert.equal(value(text, 'skein_session_drops_total{reason="replay"}'), 5);
    assert.equal(value(text, 'skein_session_drops_total{reason="auth_failed"}'), 2);
    assert.equal(value(text, 'skein_data_drops_total{reason="link_send"}'), 1);
    assert.equal(value(text, 'skein_routing_spf_runs_total'), 9);
    assert.equal(value(text, 'skein_routing_records_total{result="accepted"}'), 12);
    assert.equal(value(text, 'skein_sessions_established_total'), 3);
    assert.equal(value(text, 'skein_route_changes_total'), 0);
    assert.match(text, /# TYPE skein_link_received_bytes_total counter/);
    assert.match(text, /# TYPE skein_links gauge/);
    const families = text.split('\n').filter((l) => l.startsWith('# TYPE ')).length;
    process.stdout.write(`# ${families} metric families, ${text.length} bytes of exposition text\n`);
  } finally {
    m.stop();
  }
});

test('per-link series follow the links; counters follow the node; events are counted', async () => {
  const node = fakeNode();
  const m = new NodeMetrics(node, { processMetrics: false });
  try {
    node.state.neighbors = [neighbor('n3', 'eth1', { bytesIn: 5 })];
    node.state.linkCounters = { ...node.state.linkCounters, authFailures: 8 };
    for (const type of ['routeChanged', 'routeChanged', 'linkDown', 'memberLeft']) node.events.publish({ type });
    node.events.publish({ type: 'security', kind: 'auth-failed' });
    node.events.publish({ type: 'security', kind: 'made-up' });
    const text = await m.text();
    assert.equal(value(text, 'skein_links'), 1);
    assert.equal(value(text, 'skein_link_received_bytes_total{peer="n2",interface="eth0"}'), undefined, 'the gone link has no series');
    assert.equal(value(text, 'skein_link_received_bytes_total{peer="n3",interface="eth1"}'), 5);
    assert.equal(value(text, 'skein_link_auth_failures_total'), 8);
    assert.equal(value(text, 'skein_route_changes_total'), 2);
    assert.equal(value(text, 'skein_link_changes_total{change="down"}'), 1);
    assert.equal(value(text, 'skein_link_changes_total{change="up"}'), 0);
    assert.equal(value(text, 'skein_member_changes_total{change="left"}'), 1);
    assert.equal(value(text, 'skein_security_events_total{kind="auth_failed"}'), 1);
    assert.equal(value(text, 'skein_security_events_total{kind="other"}'), 1);
  } finally {
    m.stop();
  }
  node.events.publish({ type: 'routeChanged' }); // after stop: no subscriber left, nothing throws
});

test('two nodes in one process keep separate registries (no global registry)', async () => {
  const a = fakeNode();
  const b = fakeNode();
  b.state.neighbors = [];
  const ma = new NodeMetrics(a);
  const mb = new NodeMetrics(b);
  try {
    assert.equal(value(await ma.text(), 'skein_links'), 2);
    assert.equal(value(await mb.text(), 'skein_links'), 0);
    assert.match(await ma.text(), /^process_cpu_user_seconds_total /m, 'process metrics are included');
  } finally {
    ma.stop();
    mb.stop();
  }
});

test('GET /metrics over loopback HTTP; other paths and methods refused', async () => {
  const svc = new MetricsService(fakeNode(), '127.0.0.1:0', false, silentLogger());
  await svc.start();
  try {
    const url = svc.url();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.equal(value(await res.text(), 'skein_members'), 3);
    assert.equal((await fetch(url.replace('/metrics', '/nope'))).status, 404);
    assert.equal((await fetch(url, { method: 'POST' })).status, 405);
  } finally {
    await svc.stop();
  }
});

test('a non-loopback address is refused unless allow_remote; the error names the key', async () => {
  for (const listen of ['0.0.0.0:9464', '[::]:9464', '192.0.2.7:9464', '[2001:db8::1]:80']) {
    assert.throws(() => checkedListen('metrics', listen, false), (err: unknown) =>
      err instanceof SkeinError && err.code === ErrorCodes.CONFIG && /^metrics\.listen: .* is not a loopback address.*metrics\.allow_remote = true/.test(err.message));
  }
  for (const listen of ['127.0.0.1:9464', '127.5.6.7:1', '[::1]:9464', 'localhost:9464']) assert.doesNotThrow(() => checkedListen('metrics', listen, false));
  assert.deepEqual(checkedListen('metrics', '0.0.0.0:9464', true), { host: '0.0.0.0', port: 9464 });
  const svc = new MetricsService(fakeNode(), '0.0.0.0:0', false, silentLogger());
  await assert.rejects(svc.start(), /metrics\.listen: 0\.0\.0\.0 is not a loopback address/);
  await svc.stop();
});

test('build info, certificate expiry, static peers, TUN, DNS and discovery counters; event counters have series before any event', async () => {
  const node = fakeNode();
  const notAfter = Date.UTC(2031, 0, 1);
  const tunStatus = {
    counters: { outNoMember: 1, outNotIpv6: 0, outTooBig: 0, outSent: 40, inWrongDestination: 0, inSpoofed: 2, inFiltered: 0, outFiltered: 0, inDelivered: 30 },
    pending: { held: 3, released: 2, overflowed: 0, expired: 1 },
    tun: { packetsRead: 41, bytesRead: 4100, readBatches: 20, packetsWritten: 30, writeDropped: 0 },
    dnsCounters: { answered: 5, nodata: 0, nxdomain: 1, refused: 0, formerr: 0, notimp: 0, dropped: 0 },
  };
  const view = {
    ...node,
    certificateNotAfterMs: () => notAfter,
    staticPeers: () => [
      { address: '192.0.2.7:7460', state: 'backing-off', failuresTotal: 4 },
      { address: 'gw.example.net:7460', state: 'linked', failuresTotal: 0 },
    ] as never,
    dataPlaneCounters: () => ({ tun: tunStatus.counters, pending: tunStatus.pending, device: tunStatus.tun, dns: tunStatus.dnsCounters }),
    discoveryCounters: () => ({ received: 9, accepted: 7, otherCluster: 2, sent: 11, joins: 1 }),
  };
  const m = new NodeMetrics(view, { processMetrics: false });
  try {
    const text = await m.text();
    assert.match(text, /^skein_build_info\{version="\d+\.\d+\.\d+[^"]*",commit="[^"]+",aead="(openssl|libsodium)"\} 1$/m);
    assert.equal(value(text, 'skein_certificate_expiry_timestamp_seconds'), notAfter / 1000);
    assert.equal(value(text, 'skein_static_peer_up{peer="192.0.2.7:7460"}'), 0);
    assert.equal(value(text, 'skein_static_peer_up{peer="gw.example.net:7460"}'), 1);
    assert.equal(value(text, 'skein_static_peer_failures_total{peer="192.0.2.7:7460"}'), 4);
    assert.equal(value(text, 'skein_tun_packets_total{result="out_sent"}'), 40);
    assert.equal(value(text, 'skein_tun_packets_total{result="in_spoofed"}'), 2);
    assert.equal(value(text, 'skein_tun_pending_packets_total{result="held"}'), 3);
    assert.equal(value(text, 'skein_tun_device_packets_total{result="write_dropped"}'), 0);
    assert.equal(value(text, 'skein_dns_queries_total{result="nxdomain"}'), 1);
    assert.equal(value(text, 'skein_discovery_received_total{result="other_cluster"}'), 2);
    assert.equal(value(text, 'skein_discovery_received_total{result="received"}'), undefined, 'the sum is not a result');
    assert.equal(value(text, 'skein_discovery_operations_total{operation="sent"}'), 11);
    assert.equal(value(text, 'skein_security_events_total{kind="auth_failed"}'), 0, 'a series before the first event');
    assert.equal(value(text, 'skein_security_events_total{kind="record_purged"}'), 0);
    assert.equal(value(text, 'skein_name_conflict_events_total'), 0);
    assert.equal(value(text, 'skein_route_changes_total'), 0);
    const labelValues = [...text.matchAll(/(?:reason|result|kind|operation|action)="([^"]+)"/g)].map((x) => x[1] ?? '');
    assert.deepEqual(labelValues.filter((v) => /[-A-Z]/.test(v)), [], 'every label value is snake_case');
  } finally {
    m.stop();
  }
});
