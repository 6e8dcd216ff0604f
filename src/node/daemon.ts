/**
 * The composition root: builds every part of a node from its config, starts
 * them in order (links listener → static peers → discovery → admin API) and
 * stops them in reverse. The only place that decides to exit.
 *
 * Reload (SIGHUP or `skein reload`): the config is read and validated again;
 * a bad new config is refused with the reason and the running one stays.
 * Trusted CAs and revocation lists take effect at once (links whose peer is
 * now revoked close); the log level and the firewall rules too.
 */
import { Discovery, type InterfaceChangeFeed } from '../discovery/index.js';
import { addRevocationList, clusterIdToText, nodeIdFromPublicKey, nodeIdToText, TrustStore, verifyNodeChain, type RevocationList, type TrustAnchors, type TrustChange } from '../identity/index.js';
import { AdminServer } from '../control/server.js';
import { NativeLinks } from '../link/native-link.js';
import { Observability } from '../control/observability.js';
import type { NodeView } from '../control/node-view.js';
import type { NodeStatus, ReloadResult } from '../control/protocol.js';
import { observedView } from './observed-view.js';
import { RealClock, type Clock } from '../util/clock.js';
import { loadMallocHeap, type MallocHeap } from '../util/malloc-heap.js';
import { kernelInterfaceChanges } from './interface-changes.js';
import { exposedOldGeneration, MemoryUpkeep, type OldGeneration } from './memory-upkeep.js';
import { ErrorCodes, SkeinError, isSkeinError } from '../util/errors.js';
import { LinkCloseCode } from '../wire/link-constants.js';
import { bytesEqual as sameBytes } from '../codec/codec.js';
import { createLogger, type Logger, type LogFormat, type LogLevel } from '../util/log.js';
import { secureRandom, type Random } from '../util/random.js';
import { adminSocketMode, loadConfig, type ConfigOverrides, type NodeConfig } from './config.js';
import { refuseWorldWritable } from './config-files.js';
import { loadNodeIdentity, loadTrust, makePeerAuthenticator, type NodeIdentity } from './identity.js';
import { RevocationFiles } from './revocation-files.js';
import { Lifecycle, installSignalHandlers, type Service } from './lifecycle.js';
import { LinkManager, STATIC_VIA, type Link } from './link-manager.js';
import { StaticPeers } from './static-peers.js';
import { parseStaticPeer } from './peer-config.js';
import { acceptGateConfig } from '../link/accept-gate.js';
import { dialBudgetConfig } from '../link/dial-budget.js';
import { EventHub } from './events.js';
import { RoutingHost } from './routing-host.js';
import type { LinkSink } from '../dataplane/ports.js';
import type { TunFactory } from '../dataplane/tun-device.js';
import type { LinkTransport } from '../link/transport.js';
import { openLinuxTun } from '../dataplane/tun-linux.js';
import { TunService } from '../dataplane/tun-service.js';
import { addressOfNode } from '../dataplane/addressing.js';
import { DnsService } from '../dns/service.js';
import { FirewallHost } from './firewall-host.js';
import { aeadImplementation } from '../crypto/aead.js';
import { zoneFor } from '../dns/zone.js';
import { DataPlane } from './data-plane.js';
import { SystemNames } from '../dns/system-names.js';
import { mkdirSync } from 'node:fs';
import { Prober, registerProbeAdmin } from './probes.js';
import { registerLinksAdmin } from './links-admin.js';
import { registerRoutingAdmin } from './routing-admin.js';
import { registerSessionsAdmin } from './sessions-admin.js';
import { buildInfo } from '../util/build-info.js';
import { sharedInterfaceChanges } from '../util/interface-change-feed.js';

export const SKEIN_VERSION = buildInfo().version;
/** The higher id waits this many discovery intervals for the lower id to dial. */
const DIAL_GRACE_INTERVALS = 2;
/** Settings a running node cannot change: a reload that changes them warns that a restart is needed. */
const RESTART_ONLY_KEYS = ['key', 'certificate', 'listen', 'admin', 'state_dir', 'peers', 'name', 'tun', 'dns', 'metrics', 'web'] as const;
/** How often interfaces are checked for appearing, going down or being re-created. */
const INTERFACE_POLL_MS = 250;

export interface DaemonOptions {
  clock?: Clock;
  /** Opens the TUN device (default: the Linux device); tests pass an in-memory one. */
  openTun?: TunFactory;
  /** Wraps the links the data plane sends mesh packets on (default: none); tests pass doubles that observe or alter packets. Native links are then off, so that every packet passes the double. */
  wrapLinkSink?: (sink: LinkSink<Link>) => LinkSink<Link>;
  random?: Random;
  /** Where links listen and what they (and the static-peer dialer) dial (default: TCP); tests pass an in-memory one. */
  transport?: LinkTransport;
  logger?: Logger;
  /** Overrides of the config's [log] section (from the command line). */
  logLevel?: LogLevel;
  logFormat?: LogFormat;
  /** Settings given beside the config file (`skein up --state-dir …`); they hold across reloads too. */
  overrides?: ConfigOverrides;
  /** The C allocator's heap, trimmed after traffic (default: the addon's; tests pass a double). */
  mallocHeap?: MallocHeap;
  /** V8's old generation, collected when it fills with garbage (default: this process's, when gc is exposed). */
  oldGeneration?: OldGeneration;
  /** When the kernel's interfaces changed (default: an rtnetlink subscription, else polling). */
  interfaceChanges?: InterfaceChangeFeed;
}

export class Daemon {
  readonly log: Logger;
  readonly identity: NodeIdentity;
  readonly links: LinkManager;
  readonly routing: RoutingHost;
  readonly data: DataPlane;
  readonly prober: Prober;
  readonly tun: TunService<Link>;
  private readonly nativeLinks: NativeLinks | null;
  /** Why native links were asked for and could not be loaded (logged at start). */
  private readonly nativeUnavailable: string | null;
  readonly dns: DnsService;
  readonly firewall: FirewallHost;
  readonly events = new EventHub();
  /** The node's one trust store: every check of a chain, at any layer, reads it. */
  readonly trust: TrustStore;
  private readonly revocationFiles: RevocationFiles;
  private trustRecheckQueued = false;
  private config: NodeConfig;
  /** The config the node started with: restart-only settings are compared with it, not with the last file read. */
  private readonly running: NodeConfig;
  private readonly overrides: ConfigOverrides;
  private readonly interfaceChanges: InterfaceChangeFeed;
  private readonly clock: Clock;
  private readonly lifecycle: Lifecycle;
  private discovery: Discovery | undefined;
  private readonly random: Random;
  readonly staticPeers: StaticPeers;
  private readonly admin: AdminServer;
  /** Members' names for the host's resolver (split DNS, hosts file): after the TUN, before the admin API. */
  private readonly systemNames: SystemNames;
  /** Metrics and the topology page (each off unless configured). */
  private readonly observability: Observability;
  private readonly memoryUpkeep: MemoryUpkeep;
  private readonly startedAt: number;
  /** Name conflicts raised since start (each new conflict, or a change in its members, counts once). */
  private nameConflictsSeen = 0;
  /** The log level follows the config only when we made the logger (an injected one is the caller's). */
  private readonly ownsLogger: boolean;

  constructor(config: NodeConfig, opts: DaemonOptions = {}) {
    refuseWorldWritable(config);
    this.config = config;
    this.running = config;
    this.clock = opts.clock ?? new RealClock();
    const random = opts.random ?? secureRandom;
    this.random = random;
    this.overrides = opts.overrides ?? {};
    this.interfaceChanges = sharedInterfaceChanges(opts.interfaceChanges ?? kernelInterfaceChanges);
    ensureStateDir(config);
    this.revocationFiles = new RevocationFiles(config.state_dir);
    const anchors = withStoredLists(loadTrust(config), this.revocationFiles);
    this.identity = loadNodeIdentity(config, anchors, this.clock.now());
    this.trust = new TrustStore(anchors);
    this.ownsLogger = opts.logger === undefined;
    this.log = opts.logger ?? createLogger({
      level: opts.logLevel ?? config.log.level,
      format: opts.logFormat ?? config.log.format,
      base: { node: this.identity.self.name },
    });
    this.lifecycle = new Lifecycle(this.log);
    this.startedAt = this.clock.now();
    // A link-sink double sees every packet only if no native link relays past it.
    const native = opts.transport === undefined && opts.wrapLinkSink === undefined && config.links.native ? NativeLinks.load(this.identity.key.id) : null;
    this.nativeLinks = native instanceof NativeLinks ? native : null;
    this.nativeUnavailable = typeof native === 'string' ? native : null;

    this.links = new LinkManager({
      identity: this.identity,
      trust: this.trust,
      authenticatePeer: makePeerAuthenticator(this.trust, () => this.clock.now()),
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
      ...(opts.transport && { transport: opts.transport }),
      ...(this.nativeLinks && { nativeLinks: this.nativeLinks }),
      clock: this.clock,
      random,
      log: this.log,
    });
    this.routing = new RoutingHost({ identity: this.identity, links: this.links, trust: this.trust, stateDir: config.state_dir, clock: this.clock, log: this.log });
    this.firewall = new FirewallHost({
      settings: config.firewall, clock: this.clock, log: this.log, events: this.events,
      member: (id) => this.routing.member(id), resolveName: (name) => this.routing.resolve(name),
    });
    this.data = new DataPlane({
      identity: this.identity, links: this.links, routing: this.routing, firewall: this.firewall,
      authenticatePeer: makePeerAuthenticator(this.trust, () => this.clock.now()),
      clock: this.clock, random, log: this.log,
      ...(opts.wrapLinkSink && { wrapLinkSink: opts.wrapLinkSink }),
      ...(this.nativeLinks && { nativeLinks: this.nativeLinks }),
    });
    this.prober = new Prober(this.data, this.routing);
    const nativeTun = this.data.nativeTun;
    this.tun = new TunService<Link>({
      enabled: config.tun.enabled, open: opts.openTun ?? openLinuxTun,
      request: { name: config.tun.name, mtu: config.tun.mtu, address: this.data.address.bytes, prefix: this.data.prefix, interfaceChanges: this.interfaceChanges },
      addressText: this.data.address.text, send: this.data.sendPipeline, writer: this.data.tunWriter, clock: this.clock, log: this.log,
      ...(nativeTun && { native: nativeTun }),
    });
    this.dns = new DnsService({
      enabled: config.dns.enabled, port: config.dns.port, zone: zoneFor(this.clusterName(), config.dns.suffix), log: this.log,
      listenAddress: () => (this.tun.up ? this.data.address.text : undefined),
      lookup: (name) => {
        const m = this.routing.resolve(name);
        return m ? addressOfNode(this.identity.clusterId, Buffer.from(m.id, 'hex')).bytes : undefined;
      },
    });
    this.systemNames = this.makeSystemNames(config);
    this.staticPeers = new StaticPeers(config.peers, this.links, this.clock, random, this.log);
    this.admin = new AdminServer(config.admin.socket, this.log, {
      mode: adminSocketMode(config),
      ...(config.admin.socket_group !== undefined ? { group: config.admin.socket_group } : {}),
    });
    this.observability = new Observability(this.observedView(), config, { random, log: this.log });
    this.memoryUpkeep = new MemoryUpkeep(opts.mallocHeap ?? loadMallocHeap(), opts.oldGeneration ?? exposedOldGeneration(), this.clock, this.log);
    this.registerAdmin();
    this.wireEvents();
  }

  async start(): Promise<void> {
    const { self } = this.identity;
    this.memoryUpkeep.releaseProgramPages();
    // The TUN comes after links and discovery: configuring it (~20-40 ms of
    // ip(8) at start-up) need not delay the first advertisement and dials.
    const services: Service[] = [this.routing, this.data, this.links, this.staticPeers];
    if (this.config.discovery.enabled) services.push(this.discoveryService());
    // DNS listens on the TUN address: after the TUN device.
    services.push(this.firewall, this.tun, this.dns, this.systemNames);
    services.push(...this.observability.services, this.admin, this.memoryUpkeep);
    await this.lifecycle.start(services);
    // Start-up cost since the process began (exec to here; `npm run bench` and start-up work read them).
    const cpu = process.cpuUsage();
    this.log.info({
      id: self.idText, cluster: clusterIdToText(this.trust.clusterId), port: this.links.port, admin: this.config.admin.socket,
      startMs: Math.round(process.uptime() * 1000), startCpuMs: Math.round((cpu.user + cpu.system) / 1000),
      aead: aeadImplementation(), links: this.nativeLinks !== null ? 'native' : 'typescript',
    }, 'node up');
    if (this.nativeUnavailable !== null) this.log.warn({ reason: this.nativeUnavailable }, 'links run on the TypeScript path');
  }

  stop(): Promise<void> {
    return this.lifecycle.stop();
  }

  /**
   * Re-read the config file and apply what can change while running: trusted
   * CAs, revocation lists, discovery interfaces and interval, log level,
   * firewall rules. A bad
   * file is refused with the reason and the running configuration stays.
   */
  async reload(): Promise<ReloadResult> {
    let next: NodeConfig;
    let anchors: TrustAnchors;
    try {
      next = loadConfig(this.config.file, this.overrides);
      refuseWorldWritable(next);
      const configured = loadTrust(next);
      if (!sameBytes(configured.clusterId, this.trust.clusterId)) {
        throw new SkeinError(ErrorCodes.CONFIG, `${next.file}: ca: the new CA certificates belong to another cluster (${clusterIdToText(configured.clusterId)}, running ${clusterIdToText(this.trust.clusterId)})`);
      }
      // Lists held (learned from the mesh, or from earlier files) are merged, never forgotten.
      anchors = this.trust.withCas(configured.cas, configured.revocations);
      this.checkOwnChain(next, anchors);
    } catch (err) {
      const reason = isSkeinError(err) ? err.message : String(err);
      this.log.error({ reason }, 'reload refused: keeping the running configuration');
      throw err;
    }
    const previous = this.config;
    const restartNeeded = RESTART_ONLY_KEYS.filter((k) => JSON.stringify(this.running[k]) !== JSON.stringify(next[k]));
    this.config = next;
    for (const crl of anchors.revocations) this.persistList(crl);
    this.trust.replace(anchors);
    if (this.ownsLogger) this.log.level = next.log.level;
    this.firewall.reload(next.firewall);
    this.data.refreshFirewall();
    if (JSON.stringify(previous.discovery) !== JSON.stringify(next.discovery)) await this.restartDiscovery();
    if (restartNeeded.length > 0) this.log.warn({ keys: restartNeeded }, 'these settings changed but apply only after a restart');
    this.log.info({ cas: anchors.cas.length, revocationLists: anchors.revocations.length }, 'configuration reloaded');
    return { ok: true, restartNeeded };
  }

  /** A reload may not leave this node with a chain its peers refuse (its own key or signer revoked, its CA dropped). */
  private checkOwnChain(next: NodeConfig, anchors: TrustAnchors): void {
    try {
      verifyNodeChain(this.identity.chain, anchors, this.clock.now());
    } catch (err) {
      if (!isSkeinError(err)) throw err;
      throw new SkeinError(err.code, `${next.file}: with the new trust, our own certificate ${this.config.certificate} would be refused by every peer: ${err.message}`);
    }
  }

  /**
   * Any change of trust: a list learned from the mesh is stored first (so
   * no restart forgets it), then every link, session and stored record is
   * re-checked against its whole chain. The re-check runs once the change's
   * caller has returned (the router installs lists from inside its own step).
   */
  private onTrustChange(change: TrustChange): void {
    if (change.kind === 'list') {
      this.persistList(change.list);
      const ours = change.list.revoked.some((k) => nodeIdToText(k) === this.identity.key.idText);
      this.log.warn({ event: 'security', issuer: change.issuer, sequence: change.sequence, revoked: change.list.revoked.length }, 'installed a newer revocation list');
      if (ours) this.log.error({ issuer: change.issuer, sequence: change.sequence }, 'this node\'s own key is revoked: peers will refuse it');
    } else {
      this.log.warn({ event: 'security', droppedCas: change.droppedCas, addedCas: change.addedCas }, 'trusted CAs changed');
    }
    if (this.trustRecheckQueued) return;
    this.trustRecheckQueued = true;
    queueMicrotask(() => {
      this.trustRecheckQueued = false;
      this.recheckTrust();
    });
  }

  private recheckTrust(): void {
    this.routing.trustChanged();
    this.links.recheckCertificates();
    const now = this.clock.now();
    for (const peer of this.data.sessions.identities()) {
      const loss = peer.standing === undefined ? undefined : this.trust.check(peer.standing, now);
      if (loss === undefined) continue;
      this.security('session-ended', peer.name, peer.idText, loss.code, `session with '${peer.name}' (${peer.idText}) ended: ${loss.reason}`);
      this.data.revoke(peer.idText);
    }
  }

  /** Store a list beside the sequence number; a failure is logged and the node runs on with the list in memory. */
  private persistList(crl: RevocationList): void {
    try {
      this.revocationFiles.save(crl);
    } catch (err) {
      this.log.error({ dir: this.revocationFiles.dir, reason: (err as Error).message }, `cannot store the revocation list in ${this.revocationFiles.dir}: it holds until the node stops, but a restart would forget it unless the config names it`);
    }
  }

  private security(kind: string, peer: string, id: string, code: string, reason: string): void {
    this.log.warn({ event: 'security', kind, peer, id, code }, `security: ${reason}`);
    this.events.publish({ type: 'security', kind, peer, id, code, reason });
  }

  private clusterName(): string {
    return this.trust.anchors.cas[0]?.name ?? 'skein';
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

  status(): NodeStatus {
    const { self } = this.identity;
    return {
      name: self.name,
      id: self.idText,
      cluster: { name: this.clusterName(), id: clusterIdToText(this.trust.clusterId) },
      trust: {
        cas: this.trust.anchors.cas.map((ca) => ({ name: ca.name, notAfter: new Date(ca.notAfter * 1000).toISOString() })),
        revocationLists: this.trust.anchors.revocations.map((l) => ({ issuer: nodeIdToText(l.issuerKeyId), sequence: l.sequence, revoked: l.revoked.length })),
      },
      nameConflicts: { current: this.routing.nameConflicts(), seen: this.nameConflictsSeen },
      version: SKEIN_VERSION,
      pid: process.pid,
      listenPort: this.links.port,
      listenAddresses: this.links.listenAddresses(),
      uptimeMs: this.clock.now() - this.startedAt,
      certificateNotAfter: new Date(self.notAfter).toISOString(),
      address: this.data.address.text,
      dataPlane: this.dataPlaneStatus(),
      neighbors: this.links.allLinks().length,
      members: this.routing.members().length,
      interfaces: this.discovery?.currentInterfaces().map((i) => i.name) ?? [],
      peers: this.staticPeers.status(),
      counters: {
        links: this.links.counters,
        discovery: this.discovery?.counters() ?? null,
        routing: this.routing.router.stats,
        forwarding: this.data.forwardCounters(),
        unreachables: this.data.unreachableCounters(),
        sessions: this.data.sessionCounters(),
        data: this.data.counters,
        nativeLinks: this.data.nativeCounters(),
      },
      /** Sizes of the link tables strangers can grow (each bounded, docs/limits.md). */
      linkTables: this.links.tableSizes(),
      memory: this.memoryUpkeep.status(),
    };
  }

  /** The TUN data plane's part of `status`: the device, the IP path's counters, DNS. */
  private dataPlaneStatus(): NodeStatus['dataPlane'] & Record<string, unknown> {
    const device = this.tun.status();
    const dns = this.dns.status();
    return {
      address: this.data.address.text, prefix: this.data.prefix, device: device.device, mtu: device.mtu, unavailable: device.unavailable,
      dns: dns.dns, counters: this.data.ipCounters(), pending: this.data.pendingCounters(), tun: this.data.tunStats(device.tun), dnsCounters: dns.dnsCounters,
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
            // Without kernel events: an interface going down ends its links at once, so notice it quickly.
            interfacePollMs: INTERFACE_POLL_MS,
          },
          interfaceChanges: this.interfaceChanges,
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
      const now = new Map(this.routing.directory.others().map((m) => [m.id, m.name]));
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
    this.trust.onChange((change) => this.onTrustChange(change));
    this.routing.on('recordPurged', (p) => this.security('record-purged', p.name, p.origin, p.code, `record of '${p.name}' (${p.origin}) purged: ${p.reason}`));
    this.routing.on('nameConflict', (c) => {
      this.nameConflictsSeen++;
      const names = c.members.map((id) => `${id}${id === c.holder ? ' (holds it)' : ''}`);
      this.log.warn({ event: 'nameConflict', name: c.name, holder: c.holder, members: c.members },
        `name '${c.name}' is certified to ${c.members.length} members: ${names.join(', ')}; revoke the stale key to end the conflict`);
      this.events.publish({ type: 'nameConflict', name: c.name, holder: c.holder, members: [...c.members] });
    });
  }

  /** This node as metrics, the event stream and the topology page read it. */
  observedView(): NodeView {
    return observedView(this);
  }

  /** Discovery's counters for the metrics; null while it is off. */
  discoveryCounters(): object | null {
    return this.discovery?.counters() ?? null;
  }

  private makeSystemNames(config: NodeConfig): SystemNames {
    const cluster = this.clusterName();
    return new SystemNames({
      settings: { dnsEnabled: config.dns.enabled, dnsPort: config.dns.port, resolved: config.dns.resolved, hostsFile: config.dns.hosts_file, hostsFilePath: config.dns.hosts_file_path },
      cluster, zone: zoneFor(cluster, config.dns.suffix),
      device: () => this.tun.status().device ?? undefined,
      address: this.data.address.text,
      members: () => this.routing.directory.holders(),
      onMembersChanged: (fn) => {
        this.routing.on('routesChanged', fn);
        return () => this.routing.off('routesChanged', fn);
      },
      clock: this.clock, log: this.log,
    });
  }

  private registerAdmin(): void {
    this.admin.register('status', () => this.status());
    this.admin.register('peers', () => this.staticPeers.status());
    this.admin.register('peers.add', (p) => this.staticPeers.add(parseStaticPeer(p)));
    this.admin.register('peers.remove', (p) => this.staticPeers.remove(String(p.address ?? '')));
    this.admin.register('reload', () => this.reload());
    this.admin.register('web', () => this.observability.webInfo());
    this.firewall.registerAdmin(this.admin);
    this.admin.registerStream('events', (_params, emit) => this.events.subscribe(emit));
    registerLinksAdmin(this.admin, this.links);
    registerRoutingAdmin(this.admin, this.routing, { clusterName: () => this.clusterName(), dnsSuffix: () => this.config.dns.suffix });
    registerSessionsAdmin(this.admin, this.data.sessions, this.clock);
    registerProbeAdmin(this.admin, this.prober);
  }
}

/** A state directory that is not there yet is made (owner-only: it holds what the node has learned). */
function ensureStateDir(config: NodeConfig): void {
  try {
    mkdirSync(config.state_dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new SkeinError(ErrorCodes.CONFIG, `${config.file}: state_dir ${config.state_dir}: cannot create: ${(err as Error).message}`);
  }
}

/** Adds the lists stored in the state directory to the configured trust (those of CAs no longer trusted are skipped). */
function withStoredLists(configured: TrustAnchors, files: RevocationFiles): TrustAnchors {
  let anchors = configured;
  for (const { path, list } of files.load()) {
    if (!configured.cas.some((ca) => sameBytes(nodeIdFromPublicKey(ca.publicKey), list.issuerKeyId))) continue;
    try {
      anchors = addRevocationList(anchors, list);
    } catch (err) {
      if (isSkeinError(err)) throw new SkeinError(err.code, `${path}: stored revocation list refused: ${err.message}`);
      throw err;
    }
  }
  return anchors;
}

function nodeIdBytes(idText: string): Uint8Array {
  return new Uint8Array(Buffer.from(idText, 'hex'));
}

/**
 * The node's files cannot make a node: the config is invalid, or a file it
 * names is missing, unreadable or malformed, or the trust refuses the node's
 * own certificate. Starting again cannot help; `skein up` exits with
 * EX_CONFIG (78) for it, which the systemd unit does not restart.
 */
export class ConfigRefused extends SkeinError {
  constructor(cause: SkeinError) {
    super(cause.code, cause.message, { cause });
    this.name = 'ConfigRefused';
  }
}

/** `skein up`: run a node in the foreground until SIGINT/SIGTERM. Returns the exit code. */
export async function runDaemon(configPath: string, opts: DaemonOptions = {}): Promise<number> {
  let daemon: Daemon;
  try {
    daemon = new Daemon(loadConfig(configPath, opts.overrides), opts);
  } catch (err) {
    throw isSkeinError(err) ? new ConfigRefused(err) : err;
  }
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
