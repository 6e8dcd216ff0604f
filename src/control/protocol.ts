/**
 * The admin API wire format: JSON lines over a Unix socket.
 *
 *   request   {"v":1,"id":7,"method":"neighbors","params":{}}
 *   response  {"v":1,"id":7,"ok":true,"result":[...]}
 *             {"v":1,"id":7,"ok":false,"error":{"code":"SKEIN_ERR_…","message":"…"}}
 *   event     {"v":1,"id":7,"event":{...}}      (only for streaming methods, until the client closes)
 *
 * `v` is the API version; a request with another version is refused with
 * SKEIN_ERR_API_VERSION so old CLIs fail clearly against new daemons.
 */
import type { Direction } from '../dataplane/firewall/rules.js';
import type { PeerSessionInfo } from '../session/types.js';

export const ADMIN_API_VERSION = 1;
/** A request or response line longer than this is refused (the connection is closed). */
export const MAX_ADMIN_LINE_BYTES = 1 << 20;
export const MAX_ADMIN_CONNECTIONS = 32;

export interface AdminRequest {
  v: number;
  id: number;
  method: string;
  params: Record<string, unknown>;
}

export interface AdminErrorBody {
  code: string;
  message: string;
}

export type AdminResponse =
  | { v: number; id: number; ok: true; result: unknown }
  | { v: number; id: number; ok: false; error: AdminErrorBody }
  | { v: number; id: number; event: unknown };

export class AdminProtocolError extends Error {}

/** Parse one request line; throws AdminProtocolError with a message fit to return to the client. */
export function parseRequest(line: string): AdminRequest {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    throw new AdminProtocolError('request is not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new AdminProtocolError('request must be a JSON object');
  const r = raw as Record<string, unknown>;
  if (typeof r.id !== 'number' || !Number.isSafeInteger(r.id)) throw new AdminProtocolError('request.id must be an integer');
  if (typeof r.method !== 'string' || r.method.length === 0 || r.method.length > 64) throw new AdminProtocolError('request.method must be a short string');
  if (typeof r.v !== 'number') throw new AdminProtocolError('request.v (API version) is missing');
  const params = r.params ?? {};
  if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new AdminProtocolError('request.params must be an object');
  return { v: r.v, id: r.id, method: r.method, params: params as Record<string, unknown> };
}

/**
 * Splits a byte stream into lines, refusing any line longer than the limit
 * before buffering it (so a client cannot make the daemon allocate without bound).
 */
export class LineSplitter {
  private pending = '';

  constructor(private readonly maxLine = MAX_ADMIN_LINE_BYTES) {}

  /** Returns complete lines; throws AdminProtocolError when a line exceeds the limit. */
  push(chunk: string): string[] {
    const parts = (this.pending + chunk).split('\n');
    this.pending = parts.pop() ?? '';
    if (this.pending.length > this.maxLine) throw new AdminProtocolError(`line longer than ${this.maxLine} bytes`);
    for (const p of parts) if (p.length > this.maxLine) throw new AdminProtocolError(`line longer than ${this.maxLine} bytes`);
    return parts.filter((p) => p.trim().length > 0);
  }
}

// The results of the admin methods: what the node sends and the CLI, the lab
// and the library read. The node's modules build these; nothing here knows
// how the node stores what it reports.

/** `events` (streamed): what the node's parts publish; `type` names the kind. */
export type NodeEvent = { type: string } & Record<string, unknown>;
/** An event as a subscriber receives it: stamped with the time it was published (ISO 8601). */
export type StampedEvent = NodeEvent & { time: string };

/** `neighbors`: one authenticated link. */
export interface NeighborInfo {
  name: string;
  id: string;
  interface: string;
  address: string;
  port: number;
  dialed: boolean;
  rttMs: number | null;
  uptimeMs: number;
  bytesIn: number;
  bytesOut: number;
  messagesIn: number;
  messagesOut: number;
  dropped: number;
}

/** `nodes`: one reachable member, this node included (hops 0). */
export interface MemberInfo {
  name: string;
  id: string;
  /** Its key-derived IPv6 address in the cluster prefix. */
  address: string;
  hops: number;
  cost: number;
  /** Sequence number of its routing record as stored here: a restarted member's must be higher than before. */
  sequence: number;
  nextHop: string | null;
  nextHopName: string | null;
  path: string[];
  ageMs: number;
  self: boolean;
  /** When its node certificate begins: the later one holds a name that two members claim (member-names.ts). */
  certifiedSinceMs: number;
  /** Another member is certified with the same name. */
  nameConflict: boolean;
}

/** A name certified to more than one reachable member now. */
export interface NameConflict {
  name: string;
  /** The member that holds the name by the rule. */
  holder: string;
  /** Every member certified with the name, the holder first. */
  members: readonly string[];
}

/** `routes`: one route (a reachable member other than this node). */
export interface RouteInfo {
  destination: string;
  id: string;
  nextHop: string | null;
  nextHopId: string | null;
  hops: number;
  cost: number;
  path: string[];
}

/** `sessions`: one end-to-end session peer. */
export type { PeerSessionInfo };

export interface FirewallRuleStatus {
  direction: Direction;
  index: number;
  label: string;
  rule: string;
  drops: number;
}

/** `firewall`: the rules in force and what they dropped. */
export interface FirewallStatus {
  active: boolean;
  defaults: Record<Direction, 'allow' | 'deny'>;
  rules: FirewallRuleStatus[];
  flows: { tracked: number; cut: number; max: number; maxPerPeer: number; created: number; expired: number; evicted: number };
  passed: { tracked: number; flowsAdmitted: number; icmpErrors: number };
  /** Drops no rule of its own decided: the default policy, flows cut by a reload, unreadable packets. */
  drops: Record<Direction, { default: number; cut: number; malformed: number }>;
  dropEventsSuppressed: number;
}

export interface PingReply {
  seq: number;
  from: string;
  rttMs: number;
  /** Hops the request travelled (1 = a neighbour). */
  hops: number;
  /** Hops the reply travelled. */
  replyHops: number;
}

export interface PingSummary {
  target: string;
  id: string;
  transmitted: number;
  received: number;
  lossPercent: number;
  minMs: number | null;
  avgMs: number | null;
  maxMs: number | null;
}

/** `ping` (streamed): one event per reply or timeout, then the summary. */
export type PingEvent = ({ type: 'reply' } & PingReply) | { type: 'timeout'; seq: number } | ({ type: 'summary' } & PingSummary);

/** `trace`: one hop of the path. */
export interface TraceHop {
  hop: number;
  id: string | null;
  name: string | null;
  rttMs: number | null;
  reached: boolean;
}

/** `trace`: the whole answer. */
export interface TraceResult {
  target: string;
  id: string;
  hops: TraceHop[];
}

/** `status`: who this node is and a summary of its state; the JSON output carries more (counters, trust, tables). */
export interface NodeStatus {
  name: string;
  id: string;
  cluster: { name: string; id: string };
  /** Its key-derived IPv6 address. */
  address: string;
  dataPlane: { device: string | null; mtu: number | null; dns: string | null; unavailable: string | null };
  members: number;
  neighbors: number;
  listenPort: number;
  interfaces: string[];
  uptimeMs: number;
  /** ISO 8601. */
  certificateNotAfter: string;
  version: string;
  pid: number;
  listenAddresses: string[];
  /** Every static peer with its state (as `peers`). */
  peers: StaticPeerStatus[];
  /** Counters by part (links, discovery, routing, forwarding, sessions, data): their names are the metrics' sources. */
  counters: Record<string, unknown>;
  /** Sizes of the link tables strangers can grow (each bounded). */
  linkTables: Record<string, number>;
  memory: MemoryStatus;
  [more: string]: unknown;
}

/** Where the daemon's memory is, and what its upkeep did (node/memory-upkeep.ts). */
export interface MemoryStatus {
  rssBytes: number;
  /** Pages V8's heap holds (all spaces, live or not yet collected). */
  v8HeapBytes: number;
  v8HeapUsedBytes: number;
  /** Memory outside V8's heap that JavaScript objects hold (packet buffers). */
  externalBytes: number;
  /** What the C allocator has handed out and not had back (null: not known, no addon or not glibc). */
  cHeapInUseBytes: number | null;
  fullCollections: number;
  /** How long the upkeep's last full collection held the main thread (null: none yet). */
  lastFullCollectionPauseMs: number | null;
  trims: number;
  /** The executable's pages dropped at start and after it, as they were resident then (null: not yet, or no addon). */
  programPagesReleasedBytes: number | null;
}

/** `peers`: one static peer (configured, or added with `peers.add`) as the dialer sees it. */
export interface StaticPeerStatus {
  address: string;
  name: string | null;
  id: string | null;
  /** `config` (the file) or `runtime` (`skein peers add`, kept until the node stops). */
  source: 'config' | 'runtime';
  state: 'linked' | 'connecting' | 'backing-off';
  /** The address dialed last (host:port as configured; DNS names are resolved at each dial). */
  tried: string;
  /** The member the link leads to, while linked. */
  linkedTo: { name: string; id: string } | null;
  /** Consecutive failures since the last link (0 while linked). */
  failures: number;
  /** Every failure since the peer was added. */
  failuresTotal: number;
  lastError: { code: string; message: string; at: string } | null;
  /** When the next dial is due (ISO time), while backing off. */
  nextRetryAt: string | null;
}

/** `reload`: the settings read again that only a restart applies. */
export interface ReloadResult {
  ok: true;
  restartNeeded: string[];
}

/** `web`: the topology page's address, with its access token. */
export interface WebInfo {
  url: string;
}

/** Every admin method with a single answer, and the type of that answer. */
export interface AdminResults {
  status: NodeStatus;
  reload: ReloadResult;
  web: WebInfo;
  neighbors: NeighborInfo[];
  nodes: MemberInfo[];
  routes: RouteInfo[];
  /** A hosts-file block, ready to append. */
  hosts: string;
  sessions: PeerSessionInfo[];
  trace: TraceResult;
  firewall: FirewallStatus;
  peers: StaticPeerStatus[];
  'peers.add': StaticPeerStatus;
  'peers.remove': StaticPeerStatus;
}
