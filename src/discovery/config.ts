/**
 * Discovery's settings, resolved once: every field has a default from
 * constants.ts and is range-checked here, so the rest of discovery never
 * sees a missing or absurd value. Errors name the key.
 */
import { ErrorCodes, SkeinError } from '../util/errors.js';
import * as C from './constants.js';
import { validateInterfacePattern } from './interface-selection.js';
import type { RateLimit } from '../util/token-bucket.js';

export type { RateLimit } from '../util/token-bucket.js';

export interface DiscoveryConfig {
  /** IPv6 link-local multicast group (ff02::/16). */
  group: string;
  /** UDP port advertisements are sent to and received on. */
  port: number;
  intervalMs: number;
  /** Fraction of intervalMs each send is moved by at random, 0..0.5. */
  jitter: number;
  interfacePollMs: number;
  freshnessWindowMs: number;
  /** Names or globs (`*`, `?`) to use; empty = every eligible interface. */
  interfaces: string[];
  /** Names or globs never to use (wins over `interfaces`). */
  ignoreInterfaces: string[];
  sourceRate: RateLimit;
  /** Signature checks per source for keys not yet verified from it. */
  strangerSourceRate: RateLimit;
  /** Signature checks of all strangers together. */
  globalRate: RateLimit;
  /** Signature checks of known (key, source) pairs together. */
  knownRate: RateLimit;
  maxSources: number;
  maxKeys: number;
}

export const DEFAULT_DISCOVERY_CONFIG: Readonly<DiscoveryConfig> = Object.freeze({
  group: C.DISCOVERY_GROUP,
  port: C.DISCOVERY_PORT,
  intervalMs: C.DEFAULT_ADVERTISE_INTERVAL_MS,
  jitter: C.DEFAULT_ADVERTISE_JITTER,
  interfacePollMs: C.DEFAULT_INTERFACE_POLL_MS,
  freshnessWindowMs: C.DEFAULT_FRESHNESS_WINDOW_MS,
  interfaces: [],
  ignoreInterfaces: [],
  sourceRate: { perSecond: C.DEFAULT_SOURCE_RATE_PER_SECOND, burst: C.DEFAULT_SOURCE_BURST },
  strangerSourceRate: { perSecond: C.DEFAULT_STRANGER_SOURCE_RATE_PER_SECOND, burst: C.DEFAULT_STRANGER_SOURCE_BURST },
  globalRate: { perSecond: C.DEFAULT_GLOBAL_RATE_PER_SECOND, burst: C.DEFAULT_GLOBAL_BURST },
  knownRate: { perSecond: C.DEFAULT_KNOWN_RATE_PER_SECOND, burst: C.DEFAULT_KNOWN_BURST },
  maxSources: C.DEFAULT_MAX_SOURCES,
  maxKeys: C.DEFAULT_MAX_KEYS,
});

const LINK_LOCAL_GROUP = /^ff[0-9a-f]2:[0-9a-f:]*$/i;

function fail(key: string, problem: string): never {
  throw new SkeinError(ErrorCodes.CONFIG, `discovery.${key}: ${problem}`);
}

function int(key: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) fail(key, `must be an integer from ${min} to ${max} (got ${v})`);
  return v;
}

function rate(key: string, r: RateLimit): RateLimit {
  const perSecond = r.perSecond;
  if (!Number.isFinite(perSecond) || perSecond <= 0 || perSecond > 1_000_000) fail(`${key}.perSecond`, 'must be > 0 and <= 1000000');
  return { perSecond, burst: int(`${key}.burst`, r.burst, 1, 1_000_000) };
}

/** Fill in defaults and check every field. Throws SKEIN_ERR_CONFIG naming the key. */
export function resolveDiscoveryConfig(partial: Partial<DiscoveryConfig> = {}): DiscoveryConfig {
  const c = { ...DEFAULT_DISCOVERY_CONFIG, ...partial };
  if (!LINK_LOCAL_GROUP.test(c.group)) fail('group', `'${c.group}' is not a link-local multicast address (ff02::/16)`);
  if (!Number.isFinite(c.jitter) || c.jitter < 0 || c.jitter > 0.5) fail('jitter', 'must be from 0 to 0.5');
  for (const p of c.interfaces) validateInterfacePattern(p, 'discovery.interfaces');
  for (const p of c.ignoreInterfaces) validateInterfacePattern(p, 'discovery.ignoreInterfaces');
  return {
    group: c.group.toLowerCase(),
    port: int('port', c.port, 1, 65535),
    intervalMs: int('intervalMs', c.intervalMs, 100, 600_000),
    jitter: c.jitter,
    interfacePollMs: int('interfacePollMs', c.interfacePollMs, 50, 600_000),
    freshnessWindowMs: int('freshnessWindowMs', c.freshnessWindowMs, 1000, 86_400_000),
    interfaces: [...c.interfaces],
    ignoreInterfaces: [...c.ignoreInterfaces],
    sourceRate: rate('sourceRate', c.sourceRate),
    strangerSourceRate: rate('strangerSourceRate', c.strangerSourceRate),
    globalRate: rate('globalRate', c.globalRate),
    knownRate: rate('knownRate', c.knownRate),
    maxSources: int('maxSources', c.maxSources, 1, 1_000_000),
    maxKeys: int('maxKeys', c.maxKeys, 1, 1_000_000),
  };
}
