/**
 * The composition root: builds every part of a node from its config, starts
 * them in order (links listener → static peers → discovery → admin API) and
 * stops them in reverse. The only place that decides to exit.
 *
 * Reload (SIGHUP or `skein reload`): the config is read and validated again;
 * a bad new config is refused with the reason and the running one stays.
 * Trusted CAs and revocation lists take effect at once (links whose peer is
 * now revoked close); the log level too.
 */
import { Discovery } from '../discovery/index.js';
import { clusterIdToText, type TrustAnchors } from '../identity/index.js';
import { AdminServer } from '../control/server.js';
import { Observability } from '../control/observability.js';
import { RealClock, type Clock } from '../util/clock.js';
import { ErrorCodes, SkeinError, isSkeinError } from '../util/errors.js';
import { LinkCloseCode } from '../wire/link-constants.js';
import { bytesEqual as sameBytes } from '../wire/codec.js';
import { createLogger, type Logger, type LogFormat, type LogLevel } from '../util/log.js';
import { secureRandom, type Random } from '../util/random.js';
import { loadConfig, type NodeConfig } from './config.js';
import { loadNodeIdentity, loadTrust, makePeerAuthenticator, type NodeIdentity } from './identity.js';
import { Lifecycle, installSignalHandlers, type Service } from './lifecycle.js';
import { LinkManager, STATIC_VIA } from './link-manager.js';
import { StaticPeers } from './static-peers.js';
import { acceptGateConfig } from '../link/accept-gate.js';
import { dialBudgetConfig } from '../link/dial-budget.js';
import { EventHub } from './events.js';
import { RoutingHost } from './routing-host.js';
import { TunHost } from './tun-host.js';
import { aeadImplementation } from '../crypto/aead.js';
import { hostsBlock } from '../dns/hosts.js';
import { zoneFor } from '../dns/zone.js';
import { DataHost } from './data-host.js';
import { Prober, DEFAULT_PING_TIMEOUT_MS, type PingEvent } from './probes.js';
import { dirname } from 'node:path';
import { encodeRevocationList, isRevoked, nodeIdFromText } from '../identity/index.js';

export const SKEIN_VERSION = '0.1.0';
/** The higher id waits this many discovery intervals for the lower id to dial. */
const DIAL_GRACE_INTERVALS = 2;
/** Settings a running node cannot change: a reload that changes them warns that a restart is needed. */
const RESTART_ONLY_KEYS = ['key', 'certificate', 'listen', 'admin', 'peers', 'name', 'tun', 'dns', 'metrics', 'web'] as const;
/** How often interfaces are checked for appearing, going down or being re-created. */
const INTERFACE_POLL_MS = 250;

export interface DaemonOptions {
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** Overrides of the config's [log] section (from the command line). */
  logLevel?: LogLevel;
  logFormat?: LogFormat;
}

export class Daemon {
  readonly log: Logger;
  readonly identity: NodeIdentity;
  readonly links: LinkManager;
  readonly routing: RoutingHost;
  readonly data: DataHost;
  readonly prober: Prober;
  readonly tun: TunHost;
  readonly events = new EventHub();
  private trust: TrustAnchors;
  private config: NodeConfig;
  private readonly clock: Clock;
  private readonly lifecycle: Lifecycle;
  private discovery: Discovery | undefined;
  private readonly random: Random;
  private readonly staticPeers: StaticPeers;
  private readonly admin: AdminServer;
  /** Metrics and the topology page (each off unless configured). */
  private readonly observability: Observability;
  private readonly startedAt: number;
  /** The log level follows the config only when we made the logger (an injected one is the caller's). */
  private readonly ownsLogger: boolean;

  constructor(config: NodeConfig, opts: DaemonOptions = {}) {
    this.config = config;
    this.clock = opts.clock ?? new RealClock();
    const random = opts.random ?? secureRandom;
    this.random = random;
    this.identity = loadNodeIdentity(config, this.clock.now());
    this.trust = this.identity.trust;
    this.ownsLogger = opts.logger === undefined;
    this.log = opts.logger ?? createLogger({
      level: opts.logLevel ?? config.log.level,
      format: opts.logFormat ?? config.log.format,
      base: { node: this.identity.self.name },
    });
    this.lifecycle = new Lifecycle(this.log);
    this.startedAt = this.clock.now();

    this.links = new LinkManager({
      identity: this.identity,
      getTrust: () => this.trust,
      authenticatePeer: makePeerAuthenticator(() => this.trust, () => this.clock.now()),
      listenAddress: config.listen.address,
      listenPort: config.listen.port,
      listenOnInterfaces: config.discovery.enabled,
      linkConfig: {
        keepaliveIntervalMs: config.links.keepalive_ms,
        deadAfterMs: config.links.dead_after_ms,
        handshakeTimeoutMs: config.links.handshake_timeout_ms,
      },
      maxPendingHandshakes: config.links.max_pending_handshakes,
      acceptLimits: acceptGateConfig(config.links.max_pending_handshakes, config.links.max_pending_per_source, config.links.accepts_per_source_per_second, config.links.unkeyed_handshakes_per_second),
      dialBudget: dialBudgetConfig(config.links.dials_per_interface_per_second, config.links.dials_per_second),
      dialGraceMs: DIAL_GRACE_INTERVALS * config.discovery.interval_ms,
      clock: this.clock,
      random,
      log: this.log,
    });
    this.routing = new RoutingHost({ identity: this.identity, links: this.links, getTrust: () => this.trust, stateDir: dirname(config.file), clock: this.clock, log: this.log });
    this.data = new DataHost({
      identity: this.identity, links: this.links, routing: this.routing,
      authenticatePeer: makePeerAuthenticator(() => this.trust, () => this.clock.now()),
      clock: this.clock, random, log: this.log,
      ...testRelayTamper(this.log),
    });
    this.prober = new Prober(this.data, this.routing);
    this.tun = new TunHost({
      identity: this.identity, routing: this.routing, data: this.data, log: this.log, clusterName: this.trust.cas[0]?.name ?? 'skein',
      settings: { enabled: config.tun.enabled, name: config.tun.name, mtu: config.tun.mtu, dnsEnabled: config.dns.enabled, dnsPort: config.dns.port, dnsSuffix: config.dns.suffix },
    });
    this.staticPeers = new StaticPeers(config.peers, this.links, this.clock, random, this.log);
    this.admin = new AdminServer(config.admin.socket, this.log);
    this.observability = new Observability(this, config, { random, log: this.log });
    this.registerAdmin();
    this.wireEvents();
  }

  async start(): Promise<void> {
    const { self } = this.identity;
    // The TUN comes after links and discovery: configuring it (~20-40 ms of
    // ip(8) at start-up) need not delay the first advertisement and dials.
    const services: Service[] = [this.routing, this.data, this.links, this.staticPeers];
    if (this.config.discovery.enabled) services.push(this.discoveryService());
    services.push(this.tun);
    services.push(...this.observability.services, this.admin);
    await this.lifecycle.start(services);
    // Start-up cost since the process began (exec to here; `npm run bench` and start-up work read them).
    const cpu = process.cpuUsage();
    this.log.info({
      id: self.idText, cluster: clusterIdToText(this.trust.clusterId), port: this.links.port, admin: this.config.admin.socket,
      startMs: Math.round(process.uptime() * 1000), startCpuMs: Math.round((cpu.user + cpu.system) / 1000),
      aead: aeadImplementation(),
    }, 'node up');
  }

  stop(): Promise<void> {
    return this.lifecycle.stop();
  }

  /**
   * Re-read the config file and apply what can change while running: trusted
   * CAs, revocation lists, discovery interfaces and interval, log level. A bad
   * file is refused with the reason and the running configuration stays.
   */
  async reload(): Promise<{ ok: true; restartNeeded: string[] }> {
    let next: NodeConfig;
    let trust: TrustAnchors;
    try {
      next = loadConfig(this.config.file);
      trust = loadTrust(next);
      if (!sameBytes(trust.clusterId, this.trust.clusterId)) {
        throw new SkeinError(ErrorCodes.CONFIG, `${next.file}: ca: the new CA certificates belong to another cluster (${clusterIdToText(trust.clusterId)}, running ${clusterIdToText(this.trust.clusterId)})`);
      }
    } catch (err) {
      const reason = isSkeinError(err) ? err.message : String(err);
      this.log.error({ reason }, 'reload refused: keeping the running configuration');
      throw err;
    }
    const previous = this.config;
    const restartNeeded = RESTART_ONLY_KEYS.filter((k) => JSON.stringify(previous[k]) !== JSON.stringify(next[k]));
    this.trust = trust;
    this.config = next;
    this.routing.setTrust(trust);
    for (const crl of trust.revocations) this.routing.addRevocationList(encodeRevocationList(crl));
    this.revokeSessions();
    if (this.ownsLogger) this.log.level = next.log.level;
    this.links.recheckCertificates();
    if (JSON.stringify(previous.discovery) !== JSON.stringify(next.discovery)) await this.restartDiscovery();
    if (restartNeeded.length > 0) this.log.warn({ keys: restartNeeded }, 'these settings changed but apply only after a restart');
    this.log.info({ cas: trust.cas.length, revocationLists: trust.revocations.length }, 'configuration reloaded');
    return { ok: true, restartNeeded };
  }

  /** Apply new discovery settings: restart discovery and close links on interfaces no longer used. */
  private async restartDiscovery(): Promise<void> {
    const svc = this.discoveryService();
    await svc.stop();
    if (!this.config.discovery.enabled) {
      for (const l of this.links.allLinks()) if (l.via !== STATIC_VIA) l.channel.close('discovery disabled by reload', LinkCloseCode.INTERFACE_DOWN);
      return;
    }
    await svc.start();
    const used = new Set(this.discovery?.currentInterfaces().map((i) => i.name) ?? []);
    for (const l of this.links.allLinks()) {
      if (l.via !== STATIC_VIA && !used.has(l.via)) l.channel.close(`interface ${l.via} no longer used`, LinkCloseCode.INTERFACE_DOWN);
    }
  }

  status(): Record<string, unknown> {
    const { self } = this.identity;
    return {
      name: self.name,
      id: self.idText,
      cluster: { name: this.trust.cas[0]?.name ?? '', id: clusterIdToText(this.trust.clusterId) },
      version: SKEIN_VERSION,
      pid: process.pid,
      listenPort: this.links.port,
      listenAddresses: this.links.listenAddresses(),
      uptimeMs: this.clock.now() - this.startedAt,
      certificateNotAfter: new Date(self.notAfter).toISOString(),
      address: this.tun.address.text,
      dataPlane: this.tun.status(),
      neighbors: this.links.allLinks().length,
      members: this.routing.members().length,
      interfaces: this.discovery?.currentInterfaces().map((i) => i.name) ?? [],
      counters: {
        links: this.links.counters,
        discovery: this.discovery?.counters() ?? null,
        routing: this.routing.router.stats,
        forwarding: this.data.forwardCounters(),
        sessions: this.data.sessions.counters(),
        data: this.data.counters,
      },
      /** Sizes of the link tables strangers can grow (each bounded, docs/limits.md). */
      linkTables: this.links.tableSizes(),
    };
  }

  /** Discovery advertises the bound port, known only once the listener runs (listen.port = 0 picks one). */
  private discoveryService(): Service {
    return {
      name: 'discovery',
      start: async () => {
        const d = new Discovery({
          keyPair: this.identity.key.signing,
          nodeName: this.identity.self.name,
          clusterId: this.trust.clusterId,
          listenPort: this.links.port,
          config: {
            interfaces: this.config.discovery.interfaces,
            ignoreInterfaces: this.config.discovery.ignore_interfaces,
            intervalMs: this.config.discovery.interval_ms,
            // An interface going down ends its links at once: notice it quickly (a poll is ~0.1 ms).
            interfacePollMs: INTERFACE_POLL_MS,
          },
          clock: this.clock,
          random: this.random,
          logger: this.log,
        });
        d.on('sighting', (s) => {
          this.links.considerDial({ host: s.address, port: s.port, via: s.ifname, idText: s.idText, id: nodeIdBytes(s.idText), publicKey: s.publicKey, expected: { idText: s.idText, name: s.name } });
        });
        d.on('interfaceUp', (iface) => this.links.listenOn(iface));
        d.on('interfaceDown', (iface) => {
          this.links.stopListeningOn(iface);
          this.links.closeInterface(iface.name);
        });
        await d.start();
        this.discovery = d;
      },
      stop: async () => {
        // Leaving the groups at shutdown is not an interface going down: links close on their own.
        this.discovery?.removeAllListeners('interfaceDown');
        await this.discovery?.stop();
        this.discovery = undefined;
      },
    };
  }

  private wireEvents(): void {
    this.links.on('linkUp', (l) => this.events.publish({ type: 'linkUp', peer: l.peer.name, id: l.peer.idText, interface: l.via, address: l.remoteAddress }));
    this.links.on('linkDown', (l, reason) => this.events.publish({ type: 'linkDown', peer: l.peer.name, id: l.peer.idText, interface: l.via, cause: reason.cause, reason: reason.message }));
    this.links.on('security', (e) => this.events.publish({ ...e, type: 'security', kind: e.type }));
    let known = new Map<string, string>();
    this.routing.on('routesChanged', (changed) => {
      const now = new Map(this.routing.members().filter((m) => !m.self).map((m) => [m.id, m.name]));
      for (const [id, name] of now) if (!known.has(id)) this.events.publish({ type: 'memberJoined', id, name });
      for (const [id, name] of known) if (!now.has(id)) this.events.publish({ type: 'memberLeft', id, name });
      known = now;
      this.log.debug({ changed: changed.length, members: now.size }, 'routes changed');
      for (const id of changed) {
        const r = this.routing.route(id);
        this.events.publish({ type: 'routeChanged', id, name: now.get(id) ?? null, nextHop: r?.nextHop ?? null, hops: r?.hops ?? null, cost: r?.cost ?? null });
      }
    });
    this.data.on('sessionEvent', (e) => {
      // 'established' carries the peer's whole identity (keys, chain): log who, not what.
      const peer: unknown = e.peer;
      this.log.debug({ event: e.type, peer: typeof peer === 'string' ? peer : (peer as { name?: string }).name }, 'session event');
    });
    this.routing.on('trustChanged', (trust) => {
      this.trust = trust;
      this.links.recheckCertificates();
      this.revokeSessions();
    });
  }

  /** End sessions with every member the current revocation lists name. */
  private revokeSessions(): void {
    for (const p of this.data.sessions.peers(this.clock.now())) {
      if (isRevoked(nodeIdFromText(p.peer), this.trust)) this.data.revoke(p.peer);
    }
  }

  private registerAdmin(): void {
    this.admin.register('status', () => this.status());
    this.admin.register('neighbors', () => this.links.neighbors());
    this.admin.register('reload', () => this.reload());
    this.admin.register('web', () => this.observability.webInfo());
    this.admin.registerStream('events', (_params, emit) => this.events.subscribe(emit));
    this.admin.register('nodes', () => this.routing.members());
    this.admin.register('routes', () => this.routing.members().filter((m) => !m.self).map((m) => ({ destination: m.name, id: m.id, nextHop: m.nextHopName, nextHopId: m.nextHop, hops: m.hops, cost: m.cost, path: m.path })));
    this.admin.register('hosts', () => {
      const cluster = this.trust.cas[0]?.name ?? 'skein';
      return hostsBlock(this.routing.members(), cluster, zoneFor(cluster, this.config.dns.suffix));
    });
    this.admin.register('sessions', () => this.data.sessions.peers(this.clock.now()));
    this.admin.register('trace', (p) => this.prober.trace(String(p.target ?? ''), {
      maxHops: intParam(p.maxHops, 30), timeoutMs: intParam(p.timeoutMs, DEFAULT_PING_TIMEOUT_MS),
    }));
    this.admin.registerStream('ping', (p, emit) => {
      let stopped = false;
      this.prober.ping(String(p.target ?? ''), {
        count: intParam(p.count, 4), intervalMs: intParam(p.intervalMs, 1000), timeoutMs: intParam(p.timeoutMs, DEFAULT_PING_TIMEOUT_MS), size: intParam(p.size, 56),
        ...(typeof p.pattern === 'string' && p.pattern.length > 0 ? { pattern: new TextEncoder().encode(p.pattern.slice(0, 256)) } : {}),
      }, (e: PingEvent) => emit(e), () => stopped).catch((err: Error) => emit({ type: 'error', code: (err as { code?: string }).code ?? 'SKEIN_ERR_INTERNAL', message: err.message }));
      return () => { stopped = true; };
    });
  }
}

/** TEST ONLY hook: a hostile relay for the security tests (see DataHostOptions.relayTamper). */
function testRelayTamper(log: Logger): { relayTamper?: 'flip' | 'duplicate' } {
  const v = process.env.SKEIN_TEST_RELAY_TAMPER;
  if (v !== 'flip' && v !== 'duplicate') return {};
  log.warn({ tamper: v }, 'TEST HOOK ACTIVE: this node corrupts or duplicates every packet it relays (SKEIN_TEST_RELAY_TAMPER)');
  return { relayTamper: v };
}

function intParam(v: unknown, dflt: number): number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : dflt;
}

function nodeIdBytes(idText: string): Uint8Array {
  return new Uint8Array(Buffer.from(idText, 'hex'));
}

/** `skein up`: run a node in the foreground until SIGINT/SIGTERM. Returns the exit code. */
export async function runDaemon(configPath: string, opts: DaemonOptions = {}): Promise<number> {
  const config = loadConfig(configPath);
  const daemon = new Daemon(config, opts);
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((r) => { resolveDone = r; });
  const removeHandlers = installSignalHandlers({
    log: daemon.log,
    shutdown: async () => {
      await daemon.stop();
      resolveDone(0);
    },
    reload: () => {
      daemon.reload().catch(() => { /* refused and logged by reload */ });
    },
  });
  try {
    await daemon.start();
  } catch (err) {
    removeHandlers();
    throw err;
  }
  // Timers are unref'd: keep the process alive until a signal ends it.
  const keepAlive = setInterval(() => {}, 1 << 30);
  const code = await done;
  clearInterval(keepAlive);
  removeHandlers();
  daemon.log.info('stopped');
  return code;
}
