/**
 * A throwaway network namespace for a TUN opened by THIS process: the
 * device is created in our namespace (TUNSETIFF works where the opener
 * lives), moved into the namespace, then configured there. The fd keeps
 * working after the move, so one process can drive TUNs in several
 * namespaces (the benchmark's echo responder, the integration tests' relay).
 *
 * Used by the benchmark and the integration tests; the daemon itself runs
 * inside its namespace and needs none of this.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { execInNamespace, type ExecResult } from './exec.js';
import type { StepRunner } from '../dataplane/tun-config.js';

const execFileAsync = promisify(execFile);
const IP_TIMEOUT_MS = 10_000;

export class TunNamespace {
  private constructor(readonly name: string) {}

  /** `ip netns add` a namespace named after the tag and this pid (unique per run). */
  static async create(tag: string): Promise<TunNamespace> {
    const name = `sk${tag}-${process.pid}`;
    await execFileAsync('ip', ['netns', 'add', name], { timeout: IP_TIMEOUT_MS });
    return new TunNamespace(name);
  }

  /** A config runner that first moves `ifname` here, then runs every step inside. */
  stepRunner(ifname: string): StepRunner {
    let moved = false;
    return async (step) => {
      if (!moved) {
        await execFileAsync('ip', ['link', 'set', 'dev', ifname, 'netns', this.name], { timeout: IP_TIMEOUT_MS });
        moved = true;
      }
      if (step.kind === 'sysctl') {
        await this.check(['sh', '-c', `echo ${step.value} > ${step.path}`]);
      } else {
        await execFileAsync('ip', ['-n', this.name, ...step.args], { timeout: IP_TIMEOUT_MS });
      }
    };
  }

  exec(argv: string[], timeoutMs = IP_TIMEOUT_MS): Promise<ExecResult> {
    return execInNamespace(this.name, argv, { timeoutMs });
  }

  /** exec, throwing with stderr when the command fails. */
  async check(argv: string[], timeoutMs = IP_TIMEOUT_MS): Promise<string> {
    const r = await this.exec(argv, timeoutMs);
    if (r.code !== 0) throw new Error(`in ${this.name}: ${argv.join(' ')} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
    return r.stdout;
  }

  /** Delete the namespace (its devices go with it). Never throws. */
  async destroy(): Promise<void> {
    await execFileAsync('ip', ['netns', 'del', this.name], { timeout: IP_TIMEOUT_MS }).catch(() => undefined);
  }
}
