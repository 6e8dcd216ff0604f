/**
 * Discovery: advertise ourselves on every used interface and report the
 * nodes we hear (DESIGN.md step 2). The daemon wires 'sighting' to the link
 * layer's dialer; a sighting is only a hint (see receive-policy.ts).
 *
 * Pipelines:
 *   send:    per interface timer (interval ± jitter) → encode + sign → socket
 *   receive: socket → ReceivePolicy → 'sighting' | counted drop
 *   interfaces: watcher poll → diff against joined → leave removed, join added
 *               (a join failure is retried on the next poll)
 *
 * Events:
 *   'sighting'      (Sighting)        every accepted advertisement
 *   'interfaceUp'   (ActiveInterface) joined and advertising on it
 *   'interfaceDown' (ActiveInterface) gone, down, or re-created (then Up again)
 */
import { EventEmitter } from 'node:events';
import type { SigningKeyPair } from '../crypto/primitives.js';
import { RealClock, type Clock, type TimerHandle } from '../util/clock.js';
import { TokenBucket, type RateLimit } from '../util/token-bucket.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { secureRandom, type Random } from '../util/random.js';
import { silentLogger, type Logger } from '../util/log.js';
import { ADVERTISEMENT_INSTANCE_BYTES, encodeAdvertisement, type AdvertisementBody } from '../wire/advertisement.js';
import { resolveDiscoveryConfig, type DiscoveryConfig } from './config.js';
import { diffInterfaces, type ActiveInterface } from './interface-selection.js';
import { InterfaceWatcher, type InterfaceChangeFeed } from './interface-watcher.js';
import { UdpMulticastTransport, type MulticastTransport } from './multicast.js';
import { ReceivePolicy, type ReceiveCounters, type Sighting } from './receive-policy.js';
import { systemInterfaces, type InterfaceSource } from './system-interfaces.js';

export interface DiscoveryOptions {
  keyPair: SigningKeyPair;
  /** Our node name (a DNS label; the one in our certificate). */
  nodeName: string;
  /** Our 5-byte cluster id: advertisements from other clusters are dropped. */
  clusterId: Uint8Array;
  /** The TCP port our links listen on (advertised). */
  listenPort: number;
  config?: Partial<DiscoveryConfig>;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** Default: UDP on the configured group and port. */
  transport?: MulticastTransport;
  /** Default: os.networkInterfaces() + /sys/class/net. */
  interfaceSource?: InterfaceSource;
  /** When the kernel says interfaces changed (default: none, interfaces are polled every interfacePollMs). */
  interfaceChanges?: InterfaceChangeFeed;
}

export interface SendCounters {
  sent: number;
  /** ENETUNREACH / EADDRNOTAVAIL: link just came up or address still tentative. */
  sendTransientErrors: number;
  sendErrors: number;
  joins: number;
  joinErrors: number;
  leaves: number;
  socketErrors: number;
  interfacePollErrors: number;
}

export type DiscoveryCounters = ReceiveCounters & SendCounters;

export interface DiscoveryEvents {
  sighting: [Sighting];
  interfaceUp: [ActiveInterface];
  interfaceDown: [ActiveInterface];
}

const TRANSIENT_SEND_ERRORS = new Set(['ENETUNREACH', 'EADDRNOTAVAIL']);

/**
 * A node heard for the first time on an interface gets our advertisement at
 * once, so a node that just started learns of us without waiting a whole
 * interval: links come up in milliseconds instead of seconds. Answers per
 * interface take a token of this bucket: a start's few neighbours are
 * answered at once, and past the burst an answer waits for the next token,
 * never dropped (nodes started together hear each other's first
 * advertisement within a few ms, and a dropped answer cost a whole
 * interval). Bounded: forged keys cost at most the burst, then one extra
 * send per 50 ms.
 */
export const NEW_NODE_ANSWERS: Readonly<RateLimit> = Object.freeze({ perSecond: 20, burst: 3 });

interface Joined {
  iface: ActiveInterface;
  timer: TimerHandle | undefined;
  /** Keys heard on this interface (bounded by maxKeys; cleared when full). */
  known: Set<string>;
  /** Answers to newly heard nodes (NEW_NODE_ANSWERS). */
  answers: TokenBucket;
  /** Monotonic ms of the next scheduled send. */
  nextSendAt: number;
  /** A hard send error was logged at warn; quiet until a send succeeds again. */
  warned: boolean;
}

export class Discovery extends EventEmitter<DiscoveryEvents> {
  /** Service name for the daemon's lifecycle. */
  readonly name = 'discovery';
  readonly config: DiscoveryConfig;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly log: Logger;
  private readonly transport: MulticastTransport;
  private readonly watcher: InterfaceWatcher;
  private readonly policy: ReceivePolicy;
  private readonly joined = new Map<string, Joined>();
  private readonly sendCount: SendCounters = {
    sent: 0, sendTransientErrors: 0, sendErrors: 0, joins: 0, joinErrors: 0, leaves: 0, socketErrors: 0, interfacePollErrors: 0,
  };
  /** Random per boot: with the counter, lets receivers refuse replays. */
  private readonly instance: Uint8Array;
  private counter = 0;
  private state: 'new' | 'running' | 'stopped' = 'new';

  constructor(private readonly opts: DiscoveryOptions) {
    super();
    this.config = resolveDiscoveryConfig(opts.config);
    this.clock = opts.clock ?? new RealClock();
    this.random = opts.random ?? secureRandom;
    this.log = opts.logger ?? silentLogger();
    this.transport = opts.transport ?? new UdpMulticastTransport(this.config.group, this.config.port);
    this.instance = this.random.bytes(ADVERTISEMENT_INSTANCE_BYTES);
    this.policy = new ReceivePolicy({
      ownPublicKey: opts.keyPair.publicKey,
      clusterId: opts.clusterId,
      config: this.config,
      isInterfaceUsed: (ifname) => this.joined.has(ifname),
      nowMs: this.clock.monotonic(),
    });
    this.watcher = new InterfaceWatcher({
      source: opts.interfaceSource ?? systemInterfaces,
      selection: this.config,
      pollMs: this.config.interfacePollMs,
      ...(opts.interfaceChanges ? { changes: opts.interfaceChanges } : {}),
      clock: this.clock,
      onPoll: (selected) => this.reconcile(selected),
      onError: (err) => {
        this.sendCount.interfacePollErrors++;
        this.log.warn({ err: String(err) }, 'discovery: cannot list interfaces');
      },
      onChangesUnavailable: (err) => {
        this.log.info({ err: String(err), pollMs: this.config.interfacePollMs }, 'discovery: no kernel interface events; polling the interfaces instead');
      },
    });
    this.advertisement(); // refuse a bad name, key or port now, not at the first send
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new SkeinError(ErrorCodes.DISCOVERY, `discovery cannot start: it is ${this.state}`);
    this.state = 'running';
    await this.transport.open(
      (data, from) => this.onMessage(data, from),
      (err) => {
        this.sendCount.socketErrors++;
        this.log.warn({ err: err.message }, 'discovery socket error');
      },
    );
    this.log.info({ group: this.config.group, port: this.config.port }, 'discovery listening');
    this.watcher.start();
  }

  async stop(): Promise<void> {
    if (this.state !== 'running') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopped';
    this.watcher.stop();
    for (const j of [...this.joined.values()]) this.leave(j.iface);
    await this.transport.close();
  }

  counters(): DiscoveryCounters {
    return { ...this.policy.counters(), ...this.sendCount };
  }

  /** Interfaces joined and advertised on now, sorted by name. */
  currentInterfaces(): ActiveInterface[] {
    return [...this.joined.values()].map((j) => ({ ...j.iface })).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  private reconcile(selected: ActiveInterface[]): void {
    if (this.state !== 'running') return;
    const { added, removed } = diffInterfaces([...this.joined.values()].map((j) => j.iface), selected);
    for (const i of removed) this.leave(i);
    for (const i of selected) {
      const j = this.joined.get(i.name);
      if (j !== undefined && j.iface.index === i.index) j.iface = i; // keep the link-local address current
    }
    for (const i of added) this.join(i);
  }

  private join(iface: ActiveInterface): void {
    try {
      this.transport.join(iface.name);
    } catch (err) {
      // EADDRINUSE: already a member on this index (e.g. a join that raced a restart) — fine.
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
        this.sendCount.joinErrors++;
        this.log.debug({ ifname: iface.name, err: (err as Error).message }, 'discovery: join failed, retrying next poll');
        return;
      }
    }
    this.sendCount.joins++;
    this.joined.set(iface.name, {
      iface, timer: undefined, warned: false, known: new Set(), nextSendAt: Number.POSITIVE_INFINITY,
      answers: new TokenBucket(NEW_NODE_ANSWERS, this.clock.monotonic()),
    });
    this.log.info({ ifname: iface.name, index: iface.index }, 'discovery: using interface');
    this.emit('interfaceUp', { ...iface });
    this.sendOn(iface.name);
  }

  private leave(iface: ActiveInterface): void {
    const j = this.joined.get(iface.name);
    if (j === undefined) return;
    j.timer?.cancel();
    this.joined.delete(iface.name);
    this.transport.leave(iface.name);
    this.sendCount.leaves++;
    this.log.info({ ifname: iface.name, index: iface.index }, 'discovery: interface dropped');
    this.emit('interfaceDown', { ...iface });
  }

  private advertisement(): Uint8Array {
    const body: AdvertisementBody = {
      publicKey: this.opts.keyPair.publicKey,
      clusterId: this.opts.clusterId,
      name: this.opts.nodeName,
      port: this.opts.listenPort,
      timestampMs: this.clock.now(),
      instance: this.instance,
      counter: this.counter++,
    };
    return encodeAdvertisement(body, this.opts.keyPair.secretKey);
  }

  /** Interval ± jitter, so nodes started together drift apart. */
  private nextDelay(): number {
    const { intervalMs, jitter } = this.config;
    return Math.round(intervalMs * (1 + jitter * (2 * this.random.float() - 1)));
  }

  private sendOn(ifname: string): void {
    const j = this.joined.get(ifname);
    if (j === undefined || this.state !== 'running') return;
    j.timer?.cancel();
    const delay = this.nextDelay();
    j.timer = this.clock.setTimeout(() => this.sendOn(ifname), delay);
    j.nextSendAt = this.clock.monotonic() + delay;
    void this.transport.send(this.advertisement(), ifname).then((err) => this.onSent(ifname, err));
  }

  private onSent(ifname: string, err: NodeJS.ErrnoException | undefined): void {
    const j = this.joined.get(ifname);
    if (err === undefined) {
      this.sendCount.sent++;
      if (j !== undefined) j.warned = false;
    } else if (TRANSIENT_SEND_ERRORS.has(err.code ?? '')) {
      this.sendCount.sendTransientErrors++;
      this.log.debug({ ifname, code: err.code }, 'discovery: send failed (transient: link coming up)');
    } else {
      this.sendCount.sendErrors++;
      const level = j?.warned === false ? 'warn' : 'debug';
      if (j !== undefined) j.warned = true;
      this.log[level]({ ifname, err: err.message }, 'discovery: send failed');
    }
  }

  private answerNewNode(ifname: string, idText: string): void {
    const j = this.joined.get(ifname);
    if (j === undefined || j.known.has(idText)) return;
    if (j.known.size >= this.config.maxKeys) j.known.clear();
    j.known.add(idText);
    const now = this.clock.monotonic();
    if (j.answers.take(now)) {
      this.sendOn(ifname);
      return;
    }
    const wait = j.answers.msUntilToken(now);
    if (j.nextSendAt <= now + wait) return; // the next send is already that soon
    j.timer?.cancel();
    j.nextSendAt = now + wait;
    // The deferred answer takes its token when it goes out (one send answers every node heard meanwhile).
    j.timer = this.clock.setTimeout(() => {
      j.answers.take(this.clock.monotonic());
      this.sendOn(ifname);
    }, wait);
  }

  private onMessage(data: Uint8Array, from: string): void {
    const r = this.policy.receive(data, from, this.clock.now(), this.clock.monotonic());
    if (r.accepted) {
      this.answerNewNode(r.sighting.ifname, r.sighting.idText);
      this.emit('sighting', r.sighting);
    } else {
      this.log.debug({ from, reason: r.reason, detail: r.detail }, 'discovery: advertisement dropped');
    }
  }
}
