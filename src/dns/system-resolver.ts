/**
 * Split DNS through systemd-resolved: where resolved runs, the node tells it
 * that names under its zone are asked of the node's DNS responder on the
 * TUN device, and nothing else is:
 *
 *   resolvectl dns skein0 fd12:…:8899           (the TUN address; [addr]:port off port 53)
 *   resolvectl domain skein0 ~prod.skein         (a routing-only domain)
 *   resolvectl default-route skein0 false        (no other names go there)
 *
 * and at exit `resolvectl revert skein0`. Every program that resolves through
 * resolved (glibc's nss-resolve, the 127.0.0.53 stub) then finds
 * NAME.prod.skein, and queries for other names never reach the mesh.
 *
 * resolved lets root make these calls; any other caller (the systemd unit's
 * user skein) needs polkit's yes: deploy/skein-resolved.rules grants it.
 * Refused, the node logs why and runs on. resolved serves the host's
 * network namespace only: a node in another one
 * (a lab node) leaves it alone, since the interface name would mean another
 * device there.
 */
import { execFile } from 'node:child_process';
import { existsSync, readlinkSync } from 'node:fs';
import type { Logger } from '../util/log.js';

/** What resolved creates while it runs (its stub resolver's config). */
export const RESOLVED_RUNNING_MARKER = '/run/systemd/resolve/stub-resolv.conf';
const RESOLVECTL_TIMEOUT_MS = 5_000;

export interface CommandResult {
  code: number;
  stderr: string;
}
/** Runs one program with arguments (no shell). */
export type RunCommand = (argv: readonly string[]) => Promise<CommandResult>;

export const runCommand: RunCommand = (argv) => new Promise((resolve) => {
  execFile(argv[0]!, argv.slice(1), { timeout: RESOLVECTL_TIMEOUT_MS }, (err, _stdout, stderr) => {
    const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 127) : 0;
    resolve({ code, stderr: String(stderr || (err && code === 127 ? err.message : '')).trim() });
  });
});

export interface ResolvedProbe {
  /** Whether a path exists. */
  exists(path: string): boolean;
  /** readlink(2), undefined when it cannot be read. */
  readlink(path: string): string | undefined;
}

const realProbe: ResolvedProbe = {
  exists: existsSync,
  readlink: (p) => { try { return readlinkSync(p); } catch { return undefined; } },
};

/**
 * Whether resolved runs for `device` in this process's network namespace:
 * its marker exists, the device is a kernel network device (not a test's
 * in-memory one), and we are in PID 1's network namespace. A process that
 * may not read PID 1's namespace (the service's own user) is a host service,
 * not a lab node: it counts as in the host's namespace.
 */
export function resolvedServes(device: string, probe: ResolvedProbe = realProbe): boolean {
  if (!probe.exists(RESOLVED_RUNNING_MARKER) || !probe.exists(`/sys/class/net/${device}`)) return false;
  const ours = probe.readlink('/proc/self/ns/net');
  const host = probe.readlink('/proc/1/ns/net');
  return ours === undefined || host === undefined || ours === host;
}

/** `addr` as resolvectl takes a DNS server: the bare address on port 53, else `[addr]:port`. */
export function resolvedServer(address: string, port: number): string {
  return port === 53 ? address : `[${address}]:${port}`;
}

export interface SplitDnsSettings {
  device: string;
  address: string;
  port: number;
  zone: string;
}

export class SplitDns {
  private configured: string | undefined;

  constructor(private readonly log: Logger, private readonly run: RunCommand = runCommand) {}

  /** Hand `zone` to resolved on `device`; a failure is logged and undone, never thrown. Returns whether it is in place. */
  async apply(s: SplitDnsSettings): Promise<boolean> {
    const steps = [
      ['resolvectl', 'dns', s.device, resolvedServer(s.address, s.port)],
      ['resolvectl', 'domain', s.device, `~${s.zone}`],
      ['resolvectl', 'default-route', s.device, 'false'],
    ];
    this.configured = s.device;
    for (const argv of steps) {
      const r = await this.run(argv);
      if (r.code !== 0) {
        this.log.warn({ command: argv.join(' '), code: r.code, reason: r.stderr }, 'split DNS through systemd-resolved not set up: names resolve through the DNS responder only when asked directly');
        await this.revert();
        return false;
      }
    }
    this.log.info({ device: s.device, zone: s.zone, server: resolvedServer(s.address, s.port) }, 'split DNS: systemd-resolved asks this node for its zone');
    return true;
  }

  /** Undo what apply did (resolved forgets it anyway when the device goes). */
  async revert(): Promise<void> {
    const device = this.configured;
    if (device === undefined) return;
    this.configured = undefined;
    const r = await this.run(['resolvectl', 'revert', device]);
    if (r.code !== 0) this.log.warn({ device, code: r.code, reason: r.stderr }, 'resolvectl revert failed');
  }
}
