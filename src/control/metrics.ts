/**
 * Prometheus metrics of one node (prom-client), read on scrape from the
 * counters the node keeps anyway: every family below has a collect callback
 * that copies the current values, so nothing is added to a hot path. The
 * registry is per node, never prom-client's global one: tests run many
 * nodes in one process.
 *
 * Families come in three kinds:
 *   - state gauges (links, members, routes, per-link RTT),
 *   - counters copied from the node's cumulative counters (per-link bytes
 *     and messages, drops by reason, handshake/authentication failures,
 *     routing and session activity),
 *   - counters of events (route changes, links up/down, members joined/left,
 *     security events), incremented from the node's event stream.
 * Per-link series are labelled by peer name and interface, so their number
 * is bounded by the number of links (and capped at MAX_LINK_SERIES).
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import type { NodeView } from './node-view.js';
import type { StampedEvent } from './protocol.js';
import { HttpService, sendText } from './http-server.js';
import type { NeighborInfo } from './protocol.js';
import { aeadImplementation } from '../crypto/aead.js';
import { buildInfo } from '../util/build-info.js';

export const METRICS_PATH = '/metrics';
/** Per-link series beyond this many links are not exported (a bound on label cardinality). */
export const MAX_LINK_SERIES = 1024;
/** The security event kinds the node emits (links, sessions, records); anything else is counted as `other`. */
const SECURITY_KINDS = new Set(['auth-failed', 'handshake-failed', 'revoked', 'expired', 'untrusted', 'session-ended', 'record-purged']);
const MS_PER_SECOND = 1e3;

type Labels = Record<string, string>;
/** What a family reads at scrape time: one value, or labelled values. */
type Reading = number | ReadonlyArray<readonly [Labels, number]>;

interface Family {
  name: string;
  help: string;
  kind: 'gauge' | 'counter';
  labels?: readonly string[];
  read: (v: NodeView) => Reading;
}

const perLink = (v: NodeView, value: (n: NeighborInfo) => number | null): Reading =>
  v.neighbors().slice(0, MAX_LINK_SERIES).flatMap((n) => {
    const x = value(n);
    return x === null ? [] : [[{ peer: n.name, interface: n.interface }, x] as const];
  });
/**
 * Label values are snake_case everywhere (`hop_limit_exceeded`, `rate_limited`,
 * `out_sent`), whatever spelling the counter has inside the node.
 */
export function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[-\s]+/g, '_').toLowerCase();
}
const byKey = (label: string, record: Readonly<Record<string, number>> | null | undefined): Reading =>
  Object.entries(record ?? {}).map(([k, x]) => [{ [label]: snakeCase(k) }, x] as const);
const LINK = ['peer', 'interface'] as const;

/** One series per rule (at most MAX_RULES_PER_DIRECTION a direction) and per reason with no rule of its own. */
function firewallDrops(v: NodeView): Reading {
  const s = v.firewallStatus();
  if (s === undefined) return [];
  const series: Array<readonly [Labels, number]> = s.rules.map((r) => [{ direction: r.direction, rule: r.label }, r.drops] as const);
  for (const direction of ['inbound', 'outbound'] as const) {
    const d = s.drops[direction];
    series.push([{ direction, rule: `${direction}_default` }, d.default], [{ direction, rule: 'cut_by_reload' }, d.cut], [{ direction, rule: 'malformed' }, d.malformed]);
  }
  return series;
}

/** Discovery's send-side counters; the rest are advertisements received by outcome (`received` is their sum). */
const DISCOVERY_OPERATIONS = new Set(['sent', 'sendTransientErrors', 'sendErrors', 'joins', 'joinErrors', 'leaves', 'socketErrors', 'interfacePollErrors']);

function discoverySeries(v: NodeView, operations: boolean): Reading {
  const c = v.discoveryCounters?.() ?? null;
  if (c === null) return [];
  const picked = Object.entries(c).filter(([k]) => k !== 'received' && DISCOVERY_OPERATIONS.has(k) === operations);
  return byKey(operations ? 'operation' : 'result', Object.fromEntries(picked) as Record<string, number>);
}

/** Every family copied from the node's state on scrape. */
export const FAMILIES: readonly Family[] = [
  { name: 'skein_build_info', help: 'This build (value 1): package version, git commit (or unknown), AEAD implementation', kind: 'gauge', labels: ['version', 'commit', 'aead'], read: () => {
    const b = buildInfo();
    return [[{ version: b.version, commit: b.commit ?? 'unknown', aead: aeadImplementation().implementation }, 1]];
  } },
  { name: 'skein_certificate_expiry_timestamp_seconds', help: 'When this node\'s certificate expires (Unix time): alert well before it', kind: 'gauge', read: (v) => {
    const ms = v.certificateNotAfterMs?.();
    return ms === undefined ? [] : ms / MS_PER_SECOND;
  } },
  { name: 'skein_static_peer_up', help: 'Whether a configured static peer is linked now (1) or not (0), by its address', kind: 'gauge', labels: ['peer'], read: (v) => (v.staticPeers?.() ?? []).slice(0, MAX_LINK_SERIES).map((p) => [{ peer: p.address }, p.state === 'linked' ? 1 : 0] as const) },
  { name: 'skein_static_peer_failures_total', help: 'Failed dials of a static peer since it was added, by its address', kind: 'counter', labels: ['peer'], read: (v) => (v.staticPeers?.() ?? []).slice(0, MAX_LINK_SERIES).map((p) => [{ peer: p.address }, p.failuresTotal] as const) },
  { name: 'skein_tun_packets_total', help: 'Packets between the TUN device and the mesh, by result (out_sent, in_delivered, out_no_member, in_spoofed, ...)', kind: 'counter', labels: ['result'], read: (v) => byKey('result', v.dataPlaneCounters?.().tun) },
  { name: 'skein_tun_pending_packets_total', help: 'Packets held for a member whose route is not known yet, by outcome', kind: 'counter', labels: ['result'], read: (v) => byKey('result', v.dataPlaneCounters?.().pending) },
  { name: 'skein_tun_device_packets_total', help: 'Packets read from and written to the TUN device, and writes the kernel refused', kind: 'counter', labels: ['result'], read: (v) => {
    const t = v.dataPlaneCounters?.().device;
    return t ? byKey('result', { read: t.packetsRead ?? 0, written: t.packetsWritten ?? 0, writeDropped: t.writeDropped ?? 0 }) : [];
  } },
  { name: 'skein_dns_queries_total', help: 'DNS queries to the node\'s responder, by answer (answered, nxdomain, nodata, refused, formerr, notimp, dropped)', kind: 'counter', labels: ['result'], read: (v) => byKey('result', v.dataPlaneCounters?.().dns) },
  { name: 'skein_discovery_received_total', help: 'Discovery advertisements received, by outcome (accepted, rate_limited_source, other_cluster, ...)', kind: 'counter', labels: ['result'], read: (v) => discoverySeries(v, false) },
  { name: 'skein_discovery_operations_total', help: 'Discovery sends, group joins and leaves, and their errors', kind: 'counter', labels: ['operation'], read: (v) => discoverySeries(v, true) },
  { name: 'skein_node_info', help: 'This node (value 1): its certified name and node id', kind: 'gauge', labels: ['name', 'id'], read: (v) => [[{ name: v.self.name, id: v.self.idText }, 1]] },
  { name: 'skein_links', help: 'Authenticated links up now', kind: 'gauge', read: (v) => v.neighbors().length },
  { name: 'skein_members', help: 'Members reachable through the mesh, this node included', kind: 'gauge', read: (v) => v.members().length },
  { name: 'skein_name_conflicts', help: 'Names certified to more than one reachable member now (each resolves to one holder everywhere)', kind: 'gauge', read: (v) => v.nameConflicts().length },
  { name: 'skein_routes', help: 'Routes in the route table (reachable members other than this node)', kind: 'gauge', read: (v) => v.members().filter((m) => !m.self).length },
  { name: 'skein_link_rtt_seconds', help: 'Smoothed round-trip time of a link', kind: 'gauge', labels: LINK, read: (v) => perLink(v, (n) => (n.rttMs === null ? null : n.rttMs / MS_PER_SECOND)) },
  { name: 'skein_link_received_bytes_total', help: 'Bytes received on a link (wire bytes, handshake and framing included)', kind: 'counter', labels: LINK, read: (v) => perLink(v, (n) => n.bytesIn) },
  { name: 'skein_link_sent_bytes_total', help: 'Bytes sent on a link (wire bytes, handshake and framing included)', kind: 'counter', labels: LINK, read: (v) => perLink(v, (n) => n.bytesOut) },
  { name: 'skein_link_received_messages_total', help: 'Link messages received (each one mesh packet, routing message or keepalive)', kind: 'counter', labels: LINK, read: (v) => perLink(v, (n) => n.messagesIn) },
  { name: 'skein_link_sent_messages_total', help: 'Link messages sent (each one mesh packet, routing message or keepalive)', kind: 'counter', labels: LINK, read: (v) => perLink(v, (n) => n.messagesOut) },
  { name: 'skein_link_send_queue_drops_total', help: 'Messages dropped because a link\'s send queue was full', kind: 'counter', labels: LINK, read: (v) => perLink(v, (n) => n.dropped) },
  { name: 'skein_link_handshake_failures_total', help: 'Link handshakes that failed (protocol error, timeout)', kind: 'counter', read: (v) => v.linkCounters().handshakeFailures },
  { name: 'skein_link_auth_failures_total', help: 'Link handshakes whose peer failed authentication (certificate, key, name)', kind: 'counter', read: (v) => v.linkCounters().authFailures },
  { name: 'skein_link_dials_total', help: 'Outgoing link connections started', kind: 'counter', read: (v) => v.linkCounters().dialsStarted },
  { name: 'skein_link_dial_failures_total', help: 'Outgoing link connections that did not become a link', kind: 'counter', read: (v) => v.linkCounters().dialsFailed },
  { name: 'skein_link_inbound_total', help: 'Incoming link connections by result', kind: 'counter', labels: ['result'], read: (v) => [[{ result: 'accepted' }, v.linkCounters().inboundAccepted], [{ result: 'refused_busy' }, v.linkCounters().inboundRefusedBusy]] },
  { name: 'skein_link_unauthenticated_dropped_total', help: 'Incoming connections closed before authenticating (garbage, timeouts, resets)', kind: 'counter', read: (v) => v.linkCounters().unauthenticatedDropped },
  { name: 'skein_link_duplicates_closed_total', help: 'Duplicate links closed by the tie-break', kind: 'counter', read: (v) => v.linkCounters().duplicatesClosed },
  { name: 'skein_routing_messages_total', help: 'Routing messages by direction', kind: 'counter', labels: ['direction'], read: (v) => [[{ direction: 'sent' }, v.routingStats().messagesSent], [{ direction: 'received' }, v.routingStats().messagesReceived]] },
  { name: 'skein_routing_bytes_total', help: 'Routing message bytes by direction', kind: 'counter', labels: ['direction'], read: (v) => [[{ direction: 'sent' }, v.routingStats().bytesSent], [{ direction: 'received' }, v.routingStats().bytesReceived]] },
  { name: 'skein_routing_records_total', help: 'Link-state records received, by outcome', kind: 'counter', labels: ['result'], read: (v) => {
    const s = v.routingStats();
    return [[{ result: 'accepted' }, s.recordsAccepted], [{ result: 'duplicate' }, s.recordsDuplicate], [{ result: 'older' }, s.recordsOlder], [{ result: 'rejected' }, s.recordsRejected]];
  } },
  { name: 'skein_routing_rate_limited_total', help: 'Routing records refused by the per-origin rate limit', kind: 'counter', read: (v) => v.routingStats().rateLimited },
  { name: 'skein_routing_protocol_errors_total', help: 'Routing protocol errors (each closes the link)', kind: 'counter', read: (v) => v.routingStats().protocolErrors },
  { name: 'skein_routing_retransmissions_total', help: 'Routing records retransmitted for lack of an acknowledgement', kind: 'counter', read: (v) => v.routingStats().retransmissions },
  { name: 'skein_routing_originations_total', help: 'Own link-state records signed and flooded', kind: 'counter', read: (v) => v.routingStats().originations },
  { name: 'skein_routing_spf_runs_total', help: 'Shortest-path computations (convergence work)', kind: 'counter', read: (v) => v.routingStats().spfRuns },
  { name: 'skein_routing_spf_seconds_total', help: 'Time spent in shortest-path computations', kind: 'counter', read: (v) => v.routingStats().spfTotalMs / MS_PER_SECOND },
  { name: 'skein_forward_packets_total', help: 'Mesh packets handled by the forwarder, by action', kind: 'counter', labels: ['action'], read: (v) => {
    const f = v.forwardCounters();
    return [[{ action: 'forwarded' }, f.forwarded], [{ action: 'delivered' }, f.delivered], [{ action: 'originated' }, f.originated]];
  } },
  { name: 'skein_forward_drops_total', help: 'Mesh packets dropped by the forwarder, by reason', kind: 'counter', labels: ['reason'], read: (v) => byKey('reason', v.forwardCounters().drops) },
  { name: 'skein_forward_unreachables_total', help: 'Unreachable reports, by outcome', kind: 'counter', labels: ['result'], read: (v) => {
    const f = v.forwardCounters();
    return [[{ result: 'sent' }, f.unreachablesSent], [{ result: 'rate_limited' }, f.unreachablesRateLimited], [{ result: 'unroutable' }, f.unreachablesUnroutable]];
  } },
  { name: 'skein_session_drops_total', help: 'End-to-end session packets dropped, by reason', kind: 'counter', labels: ['reason'], read: (v) => byKey('reason', v.sessionCounters().drops) },
  { name: 'skein_session_packets_total', help: 'Sealed session packets, by direction', kind: 'counter', labels: ['direction'], read: (v) => {
    const s = v.sessionCounters();
    return [[{ direction: 'sent' }, s.sent], [{ direction: 'delivered' }, s.delivered]];
  } },
  { name: 'skein_session_handshakes_total', help: 'End-to-end session handshakes, by role', kind: 'counter', labels: ['role'], read: (v) => {
    const s = v.sessionCounters();
    return [[{ role: 'initiated' }, s.handshakesInitiated], [{ role: 'responded' }, s.handshakesResponded]];
  } },
  { name: 'skein_sessions_established_total', help: 'End-to-end sessions established (rekeys included)', kind: 'counter', read: (v) => v.sessionCounters().sessionsEstablished },
  { name: 'skein_firewall_drops_total', help: 'Packets and datagrams the firewall dropped, by direction and by the rule that decided (its label), or by what decided instead: <direction>_default, cut_by_reload, malformed', kind: 'counter', labels: ['direction', 'rule'], read: (v) => firewallDrops(v) },
  { name: 'skein_firewall_tracked_flows', help: 'Flows the firewall tracks now (replies pass without a rule of their own)', kind: 'gauge', read: (v) => v.firewallStatus()?.flows.tracked ?? 0 },
  { name: 'skein_data_drops_total', help: 'Data-path drops outside forwarding and sessions, by reason', kind: 'counter', labels: ['reason'], read: (v) => {
    const c = v.dataCounters();
    return [[{ reason: 'link_send' }, c.linkSendDropped], [{ reason: 'payload_malformed' }, c.payloadsMalformed], [{ reason: 'unreachable_rejected' }, c.unreachablesRejected]];
  } },
];

/** Copy a reading into a metric: the old series go (a link that went away), the current ones are set. */
function setReading(metric: Gauge | Counter, reading: Reading): void {
  metric.reset();
  const put = (labels: Labels, x: number) => {
    if (!Number.isFinite(x)) return;
    if (metric instanceof Gauge) metric.set(labels, x);
    else metric.inc(labels, Math.max(0, x));
  };
  if (typeof reading === 'number') put({}, reading);
  else for (const [labels, x] of reading) put(labels, x);
}

/** Counters of events from the node's event stream. */
interface EventCounters {
  routeChanges: Counter;
  linkChanges: Counter<'change'>;
  memberChanges: Counter<'change'>;
  securityEvents: Counter<'kind'>;
  nameConflicts: Counter;
}

function eventCounters(registry: Registry): EventCounters {
  const registers = [registry];
  return {
    routeChanges: new Counter({ name: 'skein_route_changes_total', help: 'Route changes (a destination\'s next hop, cost or reachability changed): convergence events', registers }),
    linkChanges: new Counter({ name: 'skein_link_changes_total', help: 'Links that came up or went down', labelNames: ['change'], registers }),
    memberChanges: new Counter({ name: 'skein_member_changes_total', help: 'Members that joined or left the reachable mesh', labelNames: ['change'], registers }),
    nameConflicts: new Counter({ name: 'skein_name_conflict_events_total', help: 'Name conflicts raised (a new conflict, or a change in the members claiming a name)', registers }),
    securityEvents: new Counter({ name: 'skein_security_events_total', help: 'Security events (authentication and handshake failures, revoked or expired peers)', labelNames: ['kind'], registers }),
  };
}

function countEvent(c: EventCounters, e: StampedEvent): void {
  switch (e.type) {
    case 'routeChanged': c.routeChanges.inc(); break;
    case 'linkUp': c.linkChanges.inc({ change: 'up' }); break;
    case 'linkDown': c.linkChanges.inc({ change: 'down' }); break;
    case 'memberJoined': c.memberChanges.inc({ change: 'joined' }); break;
    case 'memberLeft': c.memberChanges.inc({ change: 'left' }); break;
    case 'nameConflict': c.nameConflicts.inc(); break;
    case 'security': c.securityEvents.inc({ kind: typeof e.kind === 'string' && SECURITY_KINDS.has(e.kind) ? snakeCase(e.kind) : 'other' }); break;
  }
}

/**
 * A node's metrics registry. `stop()` ends the event subscription; the
 * registry itself needs no cleanup.
 */
export class NodeMetrics {
  readonly registry = new Registry();
  private readonly unsubscribe: () => void;

  constructor(view: NodeView, opts: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    for (const f of FAMILIES) {
      const labelNames = [...(f.labels ?? [])];
      const collect = function (this: Gauge | Counter) { setReading(this, f.read(view)); };
      if (f.kind === 'gauge') new Gauge({ name: f.name, help: f.help, labelNames, registers, collect });
      else new Counter({ name: f.name, help: f.help, labelNames, registers, collect });
    }
    const counters = eventCounters(this.registry);
    for (const change of ['up', 'down']) counters.linkChanges.inc({ change }, 0);
    for (const change of ['joined', 'left']) counters.memberChanges.inc({ change }, 0);
    // Every series exists from the start (at 0), so a rate() or an alert sees the first event.
    for (const kind of [...SECURITY_KINDS, 'other']) counters.securityEvents.inc({ kind: snakeCase(kind) }, 0);
    counters.routeChanges.inc(0);
    counters.nameConflicts.inc(0);
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.unsubscribe = view.subscribe((e) => countEvent(counters, e));
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  stop(): void {
    this.unsubscribe();
  }
}

/** The metrics endpoint: `GET /metrics` on the configured address. */
export class MetricsService {
  readonly name = 'metrics';
  private metrics: NodeMetrics | undefined;
  readonly http: HttpService;

  constructor(private readonly view: NodeView, listen: string, allowRemote: boolean, private readonly log: Logger) {
    this.http = new HttpService({ section: 'metrics', listen, allowRemote, log, handler: async (_req, res, url) => {
      const metrics = this.metrics;
      if (!metrics) return sendText(res, 503, '503: metrics are stopping');
      if (url.pathname === '/') return sendText(res, 200, `skein metrics: ${METRICS_PATH}`);
      if (url.pathname !== METRICS_PATH) return sendText(res, 404, `404: see ${METRICS_PATH}`);
      const body = await metrics.text();
      res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(body);
    } });
  }

  async start(): Promise<void> {
    this.metrics = new NodeMetrics(this.view);
    try {
      await this.http.start();
    } catch (err) {
      this.metrics.stop();
      this.metrics = undefined;
      throw err;
    }
    this.log.info({ url: `${this.http.baseUrl()}${METRICS_PATH}` }, 'prometheus metrics');
  }

  async stop(): Promise<void> {
    this.metrics?.stop();
    this.metrics = undefined;
    await this.http.stop();
  }

  url(): string {
    if (!this.metrics) throw new SkeinError(ErrorCodes.CONFIG, 'metrics: not running');
    return `${this.http.baseUrl()}${METRICS_PATH}`;
  }
}
