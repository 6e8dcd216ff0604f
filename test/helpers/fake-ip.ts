/**
 * A recording stand-in for iproute2, for unit tests of the lab's build and
 * teardown logic without root: it keeps a set of namespaces, answers the
 * few queries the lab makes, and can be told to fail on a given command.
 */
import type { CommandRunner, CommandResult } from '../../src/lab/runner.js';
import type { Command } from '../../src/lab/plan.js';
import { ErrorCodes, SkeinError } from '../../src/util/errors.js';

export class FakeIp implements CommandRunner {
  readonly namespaces = new Set<string>();
  readonly log: string[] = [];
  /** pids reported by `ip netns pids NS`, per namespace (emptied when a kill arrives). */
  readonly pids = new Map<string, number[]>();
  failOn?: (line: string) => boolean;

  async run(command: Command): Promise<CommandResult> {
    const line = [command.file, ...command.args].join(' ');
    this.log.push(line);
    if (this.failOn?.(line)) throw new SkeinError(ErrorCodes.LAB, `${line}: RTNETLINK answers: File exists`);
    const a = command.args;
    if (a[0] === '-V') return out('ip utility, iproute2-fake');
    if (a.join(' ') === '-j netns list') return out(JSON.stringify([...this.namespaces].map((name) => ({ name }))));
    if (a[0] === 'netns' && a[1] === 'add') {
      if (this.namespaces.has(a[2] as string)) throw new SkeinError(ErrorCodes.LAB, `${line}: Cannot create namespace file: File exists`);
      this.namespaces.add(a[2] as string);
      return out('');
    }
    if (a[0] === 'netns' && a[1] === 'del') {
      if (!this.namespaces.delete(a[2] as string)) throw new SkeinError(ErrorCodes.LAB, `${line}: No such file or directory`);
      return out('');
    }
    if (a[0] === 'netns' && a[1] === 'pids') return out((this.pids.get(a[2] as string) ?? []).join('\n'));
    if (a[0] === '-n' && a.includes('addr')) {
      const dev = a[a.indexOf('dev') + 1] as string;
      return out(JSON.stringify([{ ifname: dev, flags: ['UP', 'LOWER_UP'], address: '02:00:00:00:00:01', addr_info: [{ family: 'inet6', local: 'fe80::1', scope: 'link' }] }]));
    }
    return out('');
  }

  /** Injected `kill` for teardown: records the signal and lets the processes "exit". */
  kill = (pid: number, signal: NodeJS.Signals): void => {
    this.log.push(`kill ${signal} ${pid}`);
    for (const [ns, pids] of this.pids) this.pids.set(ns, pids.filter((p) => p !== pid));
  };
}

function out(stdout: string): CommandResult {
  return { stdout, stderr: '' };
}
