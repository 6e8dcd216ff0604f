/**
 * The node's configuration file (TOML), validated once at start and on
 * reload. Every error names the file, the key and the problem, e.g.
 *   skein.toml: links.dead_after_ms: must be greater than links.keepalive_ms
 * Paths in the file are relative to the file's own directory.
 */
import { parse as parseToml, TomlError } from 'smol-toml';
import { z } from 'zod';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isIP } from 'node:net';
import { readFileChecked } from '../util/files.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { LOG_LEVELS } from '../util/log.js';
import { DEFAULT_TUN_NAME } from '../dataplane/tun-device.js';
import { DEFAULT_TUN_MTU, MESH_MAX_IPV6_PACKET_BYTES, TUN_MAX_MTU } from '../dataplane/mtu.js';
import { IPV6_MIN_MTU } from '../dataplane/ipv6.js';
import { isLoopbackHost, parseListenAddress, remoteRefusal } from '../control/listen-address.js';
import { firewallSchema, OPEN_FIREWALL } from '../dataplane/firewall/rules.js';
import { staticPeersSchema } from './peer-config.js';
import { DEFAULT_ACCEPTS_PER_SOURCE_PER_SECOND, DEFAULT_MAX_PENDING_PER_SOURCE, DEFAULT_UNKEYED_PER_SECOND } from '../link/accept-gate.js';
import { DEFAULT_DIALS_PER_INTERFACE_PER_SECOND, DEFAULT_DIALS_PER_SECOND } from '../link/dial-budget.js';
import { DEFAULT_LINK_CONFIG } from '../link/config.js';
import { DEFAULT_ADVERTISE_INTERVAL_MS } from '../discovery/constants.js';
import { DNS_PORT } from '../dns/server.js';
import { DEFAULT_DNS_SUFFIX } from '../dns/zone.js';

export const DEFAULT_LINK_PORT = 7460;
export const DEFAULT_ADMIN_SOCKET = 'skein.sock';
export const DEFAULT_METRICS_LISTEN = '127.0.0.1:9464';
export const DEFAULT_WEB_LISTEN = '127.0.0.1:9465';
/** Inbound handshakes in progress at once, from everyone (docs/limits.md). */
const DEFAULT_MAX_PENDING_HANDSHAKES = 32;
/** Owner-only: whoever can open the admin socket controls the node. */
export const DEFAULT_ADMIN_SOCKET_MODE = '0600';
export const DEFAULT_HOSTS_FILE_PATH = '/etc/hosts';

/** An IPv4 or IPv6 address, an IPv6 one optionally with its zone (`fe80::1%eth0`). */
function isListenIp(v: string): boolean {
  return isIP(v.replace(/%[A-Za-z0-9_.-]+$/, '')) !== 0;
}

const duration = (min: number, max: number) => z.number().int().min(min).max(max);
/** An opt-in HTTP endpoint (metrics, topology page): off when its section is absent, loopback unless allow_remote. */
const httpEndpoint = (defaultListen: string) => z
  .object({
    enabled: z.boolean().default(true),
    listen: z.string().default(defaultListen).superRefine((v, ctx) => {
      const parsed = parseListenAddress(v);
      if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
    }),
    allow_remote: z.boolean().default(false),
  })
  .strict()
  .optional();

/**
 * An admin socket mode as octal text ("0600", "0660"): the owner can always
 * read and write it, and others never get any access.
 */
const socketModeSchema = z.string().regex(/^0?[0-7]{3}$/, 'must be an octal mode such as "0600" or "0660"').superRefine((v, ctx) => {
  const mode = parseInt(v, 8);
  if ((mode & 0o600) !== 0o600) ctx.addIssue({ code: 'custom', message: 'must let the owner read and write the socket (0600 at least)' });
  if ((mode & 0o007) !== 0) ctx.addIssue({ code: 'custom', message: 'must give others no access: whoever can open the admin socket controls the node' });
});

const configSchema = z
  .object({
    name: z.string().optional(),
    key: z.string().min(1),
    certificate: z.string().min(1),
    ca: z.array(z.string().min(1)).min(1, 'at least one trusted CA certificate is required'),
    revocations: z.array(z.string().min(1)).default([]),
    peers: staticPeersSchema,
    // Without address: the link-local address of each interface discovery uses (docs/limits.md); `::` = every address.
    listen: z
      .object({
        address: z.string().min(1).refine(isListenIp, 'must be an IP address to listen on (e.g. "2001:db8::1", "0.0.0.0", or "::" for every address)').optional(),
        port: z.number().int().min(0).max(65535).default(DEFAULT_LINK_PORT),
      })
      .strict()
      .prefault({}),
    discovery: z
      .object({
        enabled: z.boolean().default(true),
        interfaces: z.array(z.string().min(1)).default([]),
        ignore_interfaces: z.array(z.string().min(1)).default([]),
        interval_ms: duration(200, 60_000).default(DEFAULT_ADVERTISE_INTERVAL_MS),
      })
      .strict()
      .prefault({}),
    links: z
      .object({
        keepalive_ms: duration(100, 60_000).default(DEFAULT_LINK_CONFIG.keepaliveIntervalMs),
        dead_after_ms: duration(300, 300_000).default(DEFAULT_LINK_CONFIG.deadAfterMs),
        handshake_timeout_ms: duration(200, 60_000).default(DEFAULT_LINK_CONFIG.handshakeTimeoutMs),
        max_pending_handshakes: z.number().int().min(1).max(1024).default(DEFAULT_MAX_PENDING_HANDSHAKES),
        // The limits below are explained, with what each costs an honest node, in docs/limits.md.
        max_pending_per_source: z.number().int().min(1).max(1024).default(DEFAULT_MAX_PENDING_PER_SOURCE),
        accepts_per_source_per_second: z.number().int().min(1).max(10_000).default(DEFAULT_ACCEPTS_PER_SOURCE_PER_SECOND),
        unkeyed_handshakes_per_second: z.number().int().min(0).max(1000).default(DEFAULT_UNKEYED_PER_SECOND),
        dials_per_second: z.number().int().min(1).max(10_000).default(DEFAULT_DIALS_PER_SECOND),
        dials_per_interface_per_second: z.number().int().min(1).max(10_000).default(DEFAULT_DIALS_PER_INTERFACE_PER_SECOND),
        /** Carry open links' packets in the native link when the addon is built (read at start). */
        native: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    /** Where the sequence number and stored revocation lists live (default: the config file's directory). */
    state_dir: z.string().min(1).optional(),
    admin: z
      .object({
        socket: z.string().min(1).default(DEFAULT_ADMIN_SOCKET),
        socket_mode: socketModeSchema.default(DEFAULT_ADMIN_SOCKET_MODE),
        /** A group whose members may use the socket (with socket_mode "0660"): a name or a number. */
        socket_group: z.union([z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/, 'must be a group name'), z.number().int().min(0).max(0xfffffffe)]).optional(),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z.enum(LOG_LEVELS).default('info'),
        format: z.enum(['json', 'human']).default('json'),
      })
      .strict()
      .prefault({}),
    metrics: httpEndpoint(DEFAULT_METRICS_LISTEN),
    web: httpEndpoint(DEFAULT_WEB_LISTEN),
    tun: z
      .object({
        enabled: z.boolean().default(true),
        name: z.string().regex(/^(?!\.{1,2}$)[A-Za-z0-9_.-]{1,15}$/, 'must be an interface name: 1-15 of letters, digits, _ . -').default(DEFAULT_TUN_NAME),
        mtu: z.number().int().min(IPV6_MIN_MTU).max(Math.min(MESH_MAX_IPV6_PACKET_BYTES, TUN_MAX_MTU)).default(DEFAULT_TUN_MTU),
      })
      .strict()
      .prefault({}),
    dns: z
      .object({
        enabled: z.boolean().default(true),
        port: z.number().int().min(1).max(65535).default(DNS_PORT),
        suffix: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be one DNS label').default(DEFAULT_DNS_SUFFIX),
        /** Hand the zone to systemd-resolved (split DNS on the TUN device) when it runs (docs/dns.md). */
        resolved: z.boolean().default(true),
        /** Keep the members in a marked block of hosts_file_path (docs/dns.md). */
        hosts_file: z.boolean().default(false),
        hosts_file_path: z.string().min(1).default(DEFAULT_HOSTS_FILE_PATH),
      })
      .strict()
      .prefault({}),
    /** Rules by certificate groups (docs/firewall.md); absent: no rules, nothing filtered. */
    firewall: firewallSchema.default(() => ({ inbound: [], outbound: [], conntrack: { ...OPEN_FIREWALL.conntrack } })),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.links.dead_after_ms <= c.links.keepalive_ms) {
      ctx.addIssue({ code: 'custom', path: ['links', 'dead_after_ms'], message: 'must be greater than links.keepalive_ms' });
    }
    if (c.links.max_pending_per_source > c.links.max_pending_handshakes) {
      ctx.addIssue({ code: 'custom', path: ['links', 'max_pending_per_source'], message: `must not exceed links.max_pending_handshakes (${c.links.max_pending_handshakes})` });
    }
    if (c.links.dials_per_interface_per_second > c.links.dials_per_second) {
      ctx.addIssue({ code: 'custom', path: ['links', 'dials_per_interface_per_second'], message: `must not exceed links.dials_per_second (${c.links.dials_per_second})` });
    }
    for (const section of ['metrics', 'web'] as const) {
      const e = c[section];
      const parsed = e ? parseListenAddress(e.listen) : undefined;
      if (e?.enabled && typeof parsed === 'object' && !e.allow_remote && !isLoopbackHost(parsed.host)) {
        ctx.addIssue({ code: 'custom', path: [section, 'listen'], message: remoteRefusal(section, parsed.host) });
      }
    }
    if (c.metrics?.enabled && c.web?.enabled && c.metrics.listen === c.web.listen && !c.web.listen.endsWith(':0')) {
      ctx.addIssue({ code: 'custom', path: ['web', 'listen'], message: 'must differ from metrics.listen' });
    }
  });

type RawConfig = z.infer<typeof configSchema>;

/** The validated config with every path made absolute. */
export interface NodeConfig extends Omit<RawConfig, 'state_dir'> {
  /** The file it came from (absolute). */
  file: string;
  /** Absolute; the config file's directory unless `state_dir` says otherwise. */
  state_dir: string;
}

/** `peers[1].id`, `links.keepalive_ms`: a key as an operator would write it. */
function keyPath(path: readonly PropertyKey[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i > 0 ? '.' : ''}${String(k)}`)).join('');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length > 0 ? keyPath(issue.path) : '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys: string[] }).keys.map((k) => (issue.path.length ? `${where}.${k}` : k));
    return `${keys.join(', ')}: unknown key${keys.length > 1 ? 's' : ''}`;
  }
  return `${where}: ${issue.message}`;
}

/** Every problem of an already-parsed TOML object (each `key: problem`), and the config when there is none. */
export function checkConfig(raw: unknown, file: string): { config: NodeConfig | undefined; problems: string[] } {
  const result = configSchema.safeParse(raw);
  if (!result.success) return { config: undefined, problems: result.error.issues.map(describeIssue) };
  const base = dirname(resolve(file));
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const c = result.data;
  const config: NodeConfig = {
    ...c,
    file: resolve(file),
    key: abs(c.key),
    certificate: abs(c.certificate),
    ca: c.ca.map(abs),
    revocations: c.revocations.map(abs),
    state_dir: c.state_dir === undefined ? base : abs(c.state_dir),
    admin: { ...c.admin, socket: abs(c.admin.socket) },
    dns: { ...c.dns, hosts_file_path: abs(c.dns.hosts_file_path) },
  };
  return { config, problems: [] };
}

/** Validate an already-parsed TOML object. Throws SkeinError(CONFIG) naming the file and key. */
export function validateConfig(raw: unknown, file: string): NodeConfig {
  const { config, problems } = checkConfig(raw, file);
  if (config === undefined) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem(s): skein config check ${file} lists them all)` : '';
    throw new SkeinError(ErrorCodes.CONFIG, `${file}: ${problems[0] ?? 'invalid'}${more}`);
  }
  return config;
}

/**
 * Settings given beside the file (`skein up --state-dir … --socket …`, which
 * the systemd unit uses), validated as if the file said them. Paths must be
 * absolute: they are not relative to the file.
 */
export interface ConfigOverrides {
  state_dir?: string;
  admin?: { socket?: string; socket_mode?: string; socket_group?: string };
}

export function withOverrides(raw: unknown, o: ConfigOverrides): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const r = raw as Record<string, unknown>;
  const admin = typeof r.admin === 'object' && r.admin !== null && !Array.isArray(r.admin) ? r.admin as Record<string, unknown> : {};
  return {
    ...r,
    ...(o.state_dir !== undefined ? { state_dir: o.state_dir } : {}),
    ...(o.admin && Object.keys(o.admin).length > 0 ? { admin: { ...admin, ...o.admin } } : {}),
  };
}

/** The TOML text as an object; a syntax error is one problem naming the line and column. */
export function parseTomlText(text: string, file: string): unknown {
  try {
    return parseToml(text);
  } catch (err) {
    const detail = err instanceof TomlError ? `line ${err.line}, column ${err.column}: ${err.message.split('\n')[0]}` : String(err);
    throw new SkeinError(ErrorCodes.CONFIG, `${file}: not valid TOML: ${detail}`);
  }
}

export function parseConfigText(text: string, file: string, overrides: ConfigOverrides = {}): NodeConfig {
  return validateConfig(withOverrides(parseTomlText(text, file), overrides), file);
}

export function loadConfig(file: string, overrides: ConfigOverrides = {}): NodeConfig {
  return parseConfigText(readFileChecked(file).toString('utf8'), file, overrides);
}

/** The admin socket's mode as a number (the schema has checked the text). */
export function adminSocketMode(config: Pick<NodeConfig, 'admin'>): number {
  return parseInt(config.admin.socket_mode, 8);
}

/** Render a config file for `skein init`. */
export interface ConfigTuning {
  discoveryIntervalMs?: number;
  keepaliveMs?: number;
  deadAfterMs?: number;
  logLevel?: string;
}

export function renderConfig(opts: { name: string; key: string; certificate: string; ca: string[]; port?: number; socket?: string; tuning?: ConfigTuning }): string {
  const t = opts.tuning ?? {};
  const q = (s: string) => JSON.stringify(s);
  return [
    '# Skein node configuration. Paths are relative to this file.',
    `name = ${q(opts.name)}`,
    `key = ${q(opts.key)}`,
    `certificate = ${q(opts.certificate)}`,
    `ca = [${opts.ca.map(q).join(', ')}]`,
    '# revocations = ["revoked.crl"]',
    '# peers = ["[2001:db8::1]:7460"]   # static peers beyond the local link; pin one with',
    '#   { address = "gw.example.net:7460", name = "gw2" } (and/or id = "<node id>")',
    '',
    '[listen]',
    `port = ${opts.port ?? DEFAULT_LINK_PORT}`,
    '# address = "2001:db8::1"          # also listen here (default: only the link-local address of each interface in use; "::" = every address)',
    '',
    '[discovery]',
    '# interfaces = ["eth*"]          # default: every up, multicast-capable, non-loopback interface',
    '# ignore_interfaces = ["docker*"]',
    `interval_ms = ${t.discoveryIntervalMs ?? DEFAULT_ADVERTISE_INTERVAL_MS}`,
    '',
    '[links]',
    `keepalive_ms = ${t.keepaliveMs ?? DEFAULT_LINK_CONFIG.keepaliveIntervalMs}`,
    `dead_after_ms = ${t.deadAfterMs ?? DEFAULT_LINK_CONFIG.deadAfterMs}`,
    '',
    '[admin]',
    `socket = ${q(opts.socket ?? DEFAULT_ADMIN_SOCKET)}`,
    '',
    '[log]',
    `level = ${JSON.stringify(t.logLevel ?? 'info')}`,
    'format = "json"',
    '',
    '# [tun]                          # the data plane (needs root; without it the node runs without and says so)',
    `# name = "${DEFAULT_TUN_NAME}"`,
    `# mtu = ${DEFAULT_TUN_MTU}`,
    `# [dns]                          # NAME.<cluster>.${DEFAULT_DNS_SUFFIX} on the TUN address, port ${DNS_PORT}`,
    `# port = ${DNS_PORT}`,
    '# resolved = true               # split DNS through systemd-resolved, when it runs',
    `# hosts_file = false            # keep the members in a marked block of ${DEFAULT_HOSTS_FILE_PATH}`,
    `# [metrics]                      # Prometheus metrics at http://${DEFAULT_METRICS_LISTEN}/metrics`,
    `# listen = "${DEFAULT_METRICS_LISTEN}"`,
    '# [web]                          # live topology page: `skein web` prints its URL',
    `# listen = "${DEFAULT_WEB_LISTEN}"`,
    '',
  ].join('\n');
}
