/**
 * The `peers` key of the config: static peers beyond the local segment,
 * each either an address or a table that pins who must answer there:
 *
 *   peers = ["[2001:db8::1]:7460",
 *            { address = "gw.example.net:7460", name = "gw2" },
 *            { address = "10.0.0.9:7460", id = "0afc129b…", name = "gw3" }]
 *
 * An address alone accepts any valid member of the cluster that answers
 * there; a pin (name, id or both) refuses any other, so whoever takes over
 * the address or its DNS name cannot become the bridge between sites.
 */
import { z } from 'zod';
import { isNodeIdText, isValidLabel } from '../identity/index.js';
import type { ExpectedPeer } from '../link/types.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';

/** Static peers one node may be configured with. */
export const MAX_STATIC_PEERS = 256;
const MAX_PORT = 65535;

/** One configured static peer; `name` and `id`, when present, are what it must prove. */
export interface StaticPeerConfig {
  address: string;
  name?: string | undefined;
  id?: string | undefined;
}

export interface PeerAddress {
  spec: string;
  host: string;
  port: number;
}

const ADDRESS_FORM = 'host:port (IPv6 in brackets, e.g. [fe80::1%eth0]:7460)';
const ADDRESS_RULE = `must be ${ADDRESS_FORM}`;

/** `host:port`, `[v6]:port` or `[fe80::1%eth0]:port`; a string says what is wrong. */
export function parsePeerAddress(spec: string): PeerAddress | string {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(spec) ?? /^([^:\s[\]]+):(\d{1,5})$/.exec(spec);
  if (!m || !m[1]) return ADDRESS_RULE;
  const port = Number(m[2]);
  if (!(port >= 1 && port <= MAX_PORT)) return `port ${m[2]} is outside 1-${MAX_PORT}`;
  return { spec, host: m[1], port };
}

const address = z.string({ error: (issue) => (issue.input === undefined ? `is required: ${ADDRESS_FORM}` : ADDRESS_RULE) }).superRefine((v, ctx) => {
  const parsed = parsePeerAddress(v);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
});

const pinnedPeer = z
  .object({
    address,
    name: z.string().refine(isValidLabel, 'must be a node name: 1 to 63 of a-z, 0-9 and \'-\', not starting or ending with \'-\'').optional(),
    id: z.string().refine(isNodeIdText, 'must be a node id: 32 lowercase hex characters (skein keygen and skein nodes print it)').optional(),
  })
  .strict()
  .refine((p) => p.name !== undefined || p.id !== undefined, {
    message: 'a peer table pins the peer: give name, id or both (or write the address alone as a string)',
  });

const PEER_SHAPE = 'must be "host:port" or a table { address = "host:port", name = "…", id = "…" }';

/**
 * A string is an address, a table a pinned peer. Chosen by the value's type
 * rather than as a union, so that a mistake inside a table is reported at its
 * own key (`peers[1].id: …`) instead of as "matches neither form".
 */
export const staticPeerSchema = z.unknown().transform((value, ctx): StaticPeerConfig => {
  const isTable = typeof value === 'object' && value !== null && !Array.isArray(value);
  const schema = typeof value === 'string' ? address : isTable ? pinnedPeer : undefined;
  if (schema === undefined) {
    ctx.addIssue({ code: 'custom', message: PEER_SHAPE });
    return z.NEVER;
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue });
    return z.NEVER;
  }
  return typeof parsed.data === 'string' ? { address: parsed.data } : parsed.data;
});

export const staticPeersSchema = z.array(staticPeerSchema).max(MAX_STATIC_PEERS).default([]);

/** What the handshake must prove for this peer, or undefined when it is not pinned. */
export function expectedPeerOf(peer: StaticPeerConfig): ExpectedPeer | undefined {
  if (peer.name === undefined && peer.id === undefined) return undefined;
  return { ...(peer.name !== undefined ? { name: peer.name } : {}), ...(peer.id !== undefined ? { idText: peer.id } : {}) };
}

/** `gw.example.net:7460 (pinned to name 'gw2', id 0afc…)` — for logs. */
export function describeStaticPeer(peer: StaticPeerConfig): string {
  const pins = [peer.name !== undefined ? `name '${peer.name}'` : '', peer.id !== undefined ? `id ${peer.id}` : ''].filter(Boolean);
  return pins.length > 0 ? `${peer.address} (pinned to ${pins.join(', ')})` : peer.address;
}

/** One peer from outside the config file (`skein peers add`): the same rules, errors named by key. */
export function parseStaticPeer(value: unknown): StaticPeerConfig {
  const fields = typeof value === 'object' && value !== null ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null)) : value;
  const only = typeof fields === 'object' && fields !== null && Object.keys(fields).length === 1 && 'address' in fields ? (fields as { address: unknown }).address : fields;
  const parsed = staticPeerSchema.safeParse(only);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : 'address'}: ${i.message}`);
  throw new SkeinError(ErrorCodes.USAGE, `static peer: ${problems.join('; ')}`);
}
