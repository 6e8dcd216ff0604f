/**
 * Firewall rules as the operator writes them in skein.toml, and the typed
 * form the matcher compiles. Validation lives here (a zod schema the node's
 * config embeds as its `[firewall]` section), so every error names the key:
 *
 *   skein.toml: firewall.inbound[2].port: "8100-8000": the range's first port is above its last
 *
 *   [firewall]
 *   inbound = [
 *     { proto = "tcp", port = 5432, group = "web" },            # every listed group (ALL of them)
 *     { proto = "tcp", port = 22, group = ["admin", "ops"] },
 *     { proto = "udp", port = "8000-8100", name = "metrics1" }, # the certified name
 *     { proto = "icmp", any = true },
 *     { proto = "any", port = "any", id = "<32 hex>", action = "deny", label = "quarantine" },
 *   ]
 *   outbound = [ ... ]                   # absent or empty: everything outbound is allowed
 *   [firewall.conntrack]
 *   max_flows = 65536                     # see CONNTRACK_DEFAULTS
 */
import { z } from 'zod';
import { MAX_GROUPS } from '../../identity/constants.js';
import { isValidLabel } from '../../identity/names.js';
import { isNodeIdText } from '../../identity/node-id.js';

export type Direction = 'inbound' | 'outbound';
export type RuleProto = 'tcp' | 'udp' | 'icmp' | 'any';
export type RuleAction = 'allow' | 'deny';

/** Inclusive port range; `null` in a rule means any port. */
export interface PortRange {
  from: number;
  to: number;
}

/** Who a rule is about: the peer's proven identity, never an address. */
export type RuleWho =
  | { kind: 'any' }
  /** The peer's certificate carries every one of these groups. */
  | { kind: 'groups'; groups: readonly string[] }
  | { kind: 'name'; name: string }
  | { kind: 'id'; id: string };

export interface FirewallRule {
  direction: Direction;
  /** Position in its list (0-based): the first rule that matches decides. */
  index: number;
  /** What drops and debug logs call it: the operator's `label`, or `inbound[2]`. */
  label: string;
  action: RuleAction;
  proto: RuleProto;
  ports: PortRange | null;
  who: RuleWho;
}

export interface ConntrackSettings {
  /** Flows tracked at most, all peers together. */
  maxFlows: number;
  /** Flows tracked at most for one peer, so one member cannot push everyone else's flows out. */
  maxFlowsPerPeer: number;
  tcpTimeoutMs: number;
  udpTimeoutMs: number;
  icmpTimeoutMs: number;
  /** Protocols other than TCP, UDP and ICMPv6. */
  otherTimeoutMs: number;
}

export interface FirewallSettings {
  inbound: readonly FirewallRule[];
  outbound: readonly FirewallRule[];
  conntrack: ConntrackSettings;
}

/** Rules per direction at most: a bound on matching work per new flow and on metric series. */
export const MAX_RULES_PER_DIRECTION = 1024;
export const MAX_LABEL_CHARS = 64;
export const MAX_PORT = 0xffff;

/** Defaults of `[firewall.conntrack]`; each is a config key (snake_case of the field). */
export const CONNTRACK_DEFAULTS: Readonly<ConntrackSettings> = Object.freeze({
  maxFlows: 65_536,
  maxFlowsPerPeer: 8_192,
  // An idle TCP connection keeps its state this long (applications with
  // keepalives every few minutes stay open; a dead peer's state goes).
  tcpTimeoutMs: 600_000,
  udpTimeoutMs: 180_000,
  icmpTimeoutMs: 30_000,
  otherTimeoutMs: 180_000,
});
const CONNTRACK_LIMITS = { minFlows: 16, maxFlows: 4_194_304, minTimeoutMs: 1_000, maxTimeoutMs: 86_400_000 };

const timeout = (dflt: number) => z.number().int().min(CONNTRACK_LIMITS.minTimeoutMs).max(CONNTRACK_LIMITS.maxTimeoutMs).default(dflt);
const flows = (dflt: number) => z.number().int().min(CONNTRACK_LIMITS.minFlows).max(CONNTRACK_LIMITS.maxFlows).default(dflt);

const conntrackSchema = z
  .object({
    max_flows: flows(CONNTRACK_DEFAULTS.maxFlows),
    max_flows_per_peer: flows(CONNTRACK_DEFAULTS.maxFlowsPerPeer),
    tcp_timeout_ms: timeout(CONNTRACK_DEFAULTS.tcpTimeoutMs),
    udp_timeout_ms: timeout(CONNTRACK_DEFAULTS.udpTimeoutMs),
    icmp_timeout_ms: timeout(CONNTRACK_DEFAULTS.icmpTimeoutMs),
    other_timeout_ms: timeout(CONNTRACK_DEFAULTS.otherTimeoutMs),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.max_flows_per_peer > c.max_flows) ctx.addIssue({ code: 'custom', path: ['max_flows_per_peer'], message: `must not exceed max_flows (${c.max_flows})` });
  })
  .transform((c): ConntrackSettings => ({
    maxFlows: c.max_flows, maxFlowsPerPeer: c.max_flows_per_peer, tcpTimeoutMs: c.tcp_timeout_ms,
    udpTimeoutMs: c.udp_timeout_ms, icmpTimeoutMs: c.icmp_timeout_ms, otherTimeoutMs: c.other_timeout_ms,
  }));

const label = (what: string) => z.string().refine(isValidLabel, `must be a ${what} as certificates carry it: 1-63 lowercase letters, digits and '-' (not first or last)`);

const rawRuleSchema = z
  .object({
    proto: z.enum(['tcp', 'udp', 'icmp', 'any'], { message: 'must be "tcp", "udp", "icmp" or "any"' }),
    port: z.union([z.number(), z.string()], { message: 'must be a port number, a range "8000-8100" or "any"' }).optional(),
    group: z.union([label('group name'), z.array(label('group name')).min(1, 'must name at least one group').max(MAX_GROUPS, `at most ${MAX_GROUPS} groups (a certificate carries no more)`)]).optional(),
    name: label('node name').optional(),
    id: z.string().refine(isNodeIdText, 'must be a node id: 32 lowercase hex characters (skein nodes shows them)').optional(),
    any: z.literal(true, { message: 'must be true (any member) when given' }).optional(),
    action: z.enum(['allow', 'deny'], { message: 'must be "allow" or "deny"' }).default('allow'),
    label: z.string().min(1).max(MAX_LABEL_CHARS).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only').optional(),
  })
  .strict();

type RawRule = z.infer<typeof rawRuleSchema>;

/** "any" → null; 22 → 22..22; "8000-8100" → 8000..8100; or the reason it is not a port. */
export function parsePort(value: number | string): PortRange | null | string {
  if (typeof value === 'number') return isPort(value) ? { from: value, to: value } : `${value}: must be a port from 1 to ${MAX_PORT}`;
  if (value === 'any') return null;
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(value);
  if (!m) return `"${value}": must be a port number, a range "8000-8100" or "any"`;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (!isPort(from) || !isPort(to)) return `"${value}": ports run from 1 to ${MAX_PORT}`;
  if (from > to) return `"${value}": the range's first port is above its last`;
  return { from, to };
}

function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= MAX_PORT;
}

const WHO_KEYS = ['group', 'name', 'id', 'any'] as const;

function checkRule(r: RawRule, ctx: z.RefinementCtx): void {
  const given = WHO_KEYS.filter((k) => r[k] !== undefined);
  if (given.length !== 1) {
    const what = given.length === 0 ? 'none is given' : `${given.join(' and ')} are given (one rule, one kind of peer: write two rules)`;
    ctx.addIssue({ code: 'custom', path: [], message: `give exactly one of group, name, id or any = true: ${what}` });
  }
  if (r.proto === 'icmp') {
    if (r.port !== undefined && r.port !== 'any') ctx.addIssue({ code: 'custom', path: ['port'], message: 'ICMPv6 has no ports: leave port out (or "any") for proto "icmp"' });
    return;
  }
  if (r.port === undefined) {
    ctx.addIssue({ code: 'custom', path: ['port'], message: `required for proto "${r.proto}": a port number, a range "8000-8100" or "any"` });
    return;
  }
  const parsed = parsePort(r.port);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', path: ['port'], message: parsed });
}

function whoOf(r: RawRule): RuleWho {
  if (r.group !== undefined) return { kind: 'groups', groups: [...new Set(typeof r.group === 'string' ? [r.group] : r.group)] };
  if (r.name !== undefined) return { kind: 'name', name: r.name };
  if (r.id !== undefined) return { kind: 'id', id: r.id };
  return { kind: 'any' };
}

function toRule(r: RawRule, direction: Direction, index: number): FirewallRule {
  const ports = r.proto === 'icmp' || r.port === undefined ? null : parsePort(r.port);
  return {
    direction, index, label: r.label ?? `${direction}[${index}]`, action: r.action, proto: r.proto,
    ports: typeof ports === 'string' ? null : ports, who: whoOf(r),
  };
}

const ruleList = (direction: Direction) => z
  .array(rawRuleSchema.superRefine(checkRule))
  .max(MAX_RULES_PER_DIRECTION, `at most ${MAX_RULES_PER_DIRECTION} rules`)
  .default([])
  .superRefine((rules, ctx) => {
    const seen = new Map<string, number>();
    rules.forEach((r, i) => {
      if (r.label === undefined) return;
      const first = seen.get(r.label);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'label'], message: `"${r.label}" is already the label of ${direction}[${first}]` });
      else seen.set(r.label, i);
    });
  })
  .transform((rules) => rules.map((r, i) => toRule(r, direction, i)));

/** The `[firewall]` section. Absent: no rules, everything allowed, nothing tracked. */
export const firewallSchema = z
  .object({
    inbound: ruleList('inbound'),
    outbound: ruleList('outbound'),
    // zod's default is the parsed (output) form.
    conntrack: conntrackSchema.default(() => ({ ...CONNTRACK_DEFAULTS })),
  })
  .strict();

/** Settings with no rules (what a config without `[firewall]` gets). */
export const OPEN_FIREWALL: FirewallSettings = Object.freeze({ inbound: [], outbound: [], conntrack: CONNTRACK_DEFAULTS });

/** A rule as one line of text, for `skein firewall` and logs: `allow tcp 5432 from group web`. */
export function describeRule(rule: FirewallRule): string {
  const ports = rule.ports === null ? (rule.proto === 'icmp' ? '' : ' any port') : rule.ports.from === rule.ports.to ? ` ${rule.ports.from}` : ` ${rule.ports.from}-${rule.ports.to}`;
  const w = rule.who;
  const who = w.kind === 'any' ? 'any member' : w.kind === 'groups' ? `group${w.groups.length > 1 ? 's' : ''} ${w.groups.join(' + ')}` : w.kind === 'name' ? `name ${w.name}` : `id ${w.id}`;
  return `${rule.action} ${rule.proto}${ports} ${rule.direction === 'inbound' ? 'from' : 'to'} ${who}`;
}
