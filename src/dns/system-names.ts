/**
 * Members' names for the host's own resolver, started after the TUN data
 * plane and stopped before it (docs/dns.md):
 *
 * - split DNS through systemd-resolved (system-resolver.ts), when resolved
 *   runs, `[dns] resolved` is on (the default) and the node has its TUN
 *   device and DNS responder;
 * - a marked block in a hosts file (hosts-file.ts) with `[dns] hosts_file =
 *   true`, rewritten when the members change (at most once per
 *   HOSTS_FILE_DEBOUNCE_MS) and removed at exit.
 *
 * Neither ever stops the node: a failure is logged and the node runs on.
 */
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import { hostsLines, type HostsMember } from './hosts.js';
import { updateHostsFile } from './hosts-file.js';
import { resolvedServes, SplitDns, type RunCommand } from './system-resolver.js';

/** Members come and go in bursts (a link up brings several): one rewrite per burst. */
export const HOSTS_FILE_DEBOUNCE_MS = 500;

export interface SystemNamesSettings {
  /** The DNS responder runs (`[dns] enabled`). */
  dnsEnabled: boolean;
  dnsPort: number;
  resolved: boolean;
  hostsFile: boolean;
  hostsFilePath: string;
}

export interface SystemNamesOptions {
  settings: SystemNamesSettings;
  /** The cluster's name (the markers) and zone (the names). */
  cluster: string;
  zone: string;
  /** The TUN device's name, undefined when the node runs without one. */
  device: () => string | undefined;
  /** The node's address (the DNS responder listens there). */
  address: string;
  /** The members a name resolves to (each name once). */
  members: () => readonly HostsMember[];
  /** Registers a call for every change of the members; returns how to unregister it. */
  onMembersChanged: (fn: () => void) => () => void;
  clock: Clock;
  log: Logger;
  /** Default: whether systemd-resolved runs for the device in this network namespace. */
  resolvedRuns?: (device: string) => boolean;
  /** Runs resolvectl (default: the real one). */
  run?: RunCommand;
}

export class SystemNames {
  readonly name = 'system-names';
  private readonly splitDns: SplitDns;
  private unsubscribe: (() => void) | undefined;
  private pending: TimerHandle | undefined;
  private written = false;

  constructor(private readonly opts: SystemNamesOptions) {
    this.splitDns = new SplitDns(opts.log, opts.run);
  }

  async start(): Promise<void> {
    const { settings } = this.opts;
    const device = this.opts.device();
    if (settings.resolved && settings.dnsEnabled && device !== undefined && (this.opts.resolvedRuns ?? resolvedServes)(device)) {
      await this.splitDns.apply({ device, address: this.opts.address, port: settings.dnsPort, zone: this.opts.zone });
    }
    if (settings.hostsFile) {
      this.unsubscribe = this.opts.onMembersChanged(() => this.scheduleHostsFile());
      this.writeHostsFile();
    }
  }

  async stop(): Promise<void> {
    this.pending?.cancel();
    this.pending = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.written) this.update(undefined, 'hosts file: block removed');
    this.written = false;
    await this.splitDns.revert();
  }

  private scheduleHostsFile(): void {
    this.pending ??= this.opts.clock.setTimeout(() => {
      this.pending = undefined;
      this.writeHostsFile();
    }, HOSTS_FILE_DEBOUNCE_MS);
  }

  private writeHostsFile(): void {
    if (this.update(hostsLines(this.opts.members(), this.opts.zone), 'hosts file: members written')) this.written = true;
  }

  /** Returns whether the file now holds what was asked (changed or already so). */
  private update(lines: string[] | undefined, message: string): boolean {
    const path = this.opts.settings.hostsFilePath;
    try {
      if (updateHostsFile(path, this.opts.cluster, lines)) this.opts.log.info({ path, members: lines?.length ?? 0 }, message);
      return true;
    } catch (err) {
      this.opts.log.warn({ path, reason: (err as Error).message }, 'hosts file not updated');
      return false;
    }
  }
}
