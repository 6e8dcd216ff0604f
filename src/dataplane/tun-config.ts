/**
 * Interface configuration for a freshly opened TUN, through iproute2 (simpler
 * to read and debug than netlink from JavaScript). The plan is pure so it is
 * unit-tested as data. Its `ip` steps run as ONE `ip -batch` process: each
 * execFile costs a process start (far more while other nodes start on the
 * same cores), and the TUN is on the way to the first packet.
 *
 * Order matters: addr_gen_mode=1 ("none") BEFORE the link goes up, or the
 * kernel gives the interface a link-local address and the first packets we
 * read are its own router solicitations and MLD reports; `nodad` so the
 * address is usable at once instead of after duplicate detection.
 */
import { execFile, type ExecFileException } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { ipv6ToText } from '../util/ipv6-text.js';

const execFileAsync = promisify(execFile);
/** A configuration command that takes longer than this is stuck. */
const IP_COMMAND_TIMEOUT_MS = 10_000;
/** "none": no automatic (link-local) address on the interface. */
const ADDR_GEN_MODE_NONE = '1';

export interface TunConfig {
  name: string;
  mtu: number;
  /** The node's own address (16 bytes). */
  address: Uint8Array;
  /** Routed onto the interface: the cluster prefix, e.g. "fd12:3456:789a::/48". */
  prefix: string;
}

export type TunConfigStep =
  | { kind: 'sysctl'; path: string; value: string }
  | { kind: 'ip'; args: string[] };

export function tunConfigPlan(c: TunConfig): TunConfigStep[] {
  const prefixLength = c.prefix.split('/')[1] ?? '128';
  return [
    { kind: 'sysctl', path: `/proc/sys/net/ipv6/conf/${c.name}/addr_gen_mode`, value: ADDR_GEN_MODE_NONE },
    { kind: 'ip', args: ['link', 'set', 'dev', c.name, 'mtu', String(c.mtu)] },
    { kind: 'ip', args: ['-6', 'addr', 'add', `${ipv6ToText(c.address)}/${prefixLength}`, 'dev', c.name, 'nodad', 'noprefixroute'] },
    { kind: 'ip', args: ['link', 'set', 'dev', c.name, 'up'] },
    // noprefixroute above, so this is the one route for the prefix; `replace` is idempotent.
    { kind: 'ip', args: ['-6', 'route', 'replace', c.prefix, 'dev', c.name] },
  ];
}

export type StepRunner = (step: TunConfigStep) => Promise<void>;

export const systemStepRunner: StepRunner = async (step) => {
  if (step.kind === 'sysctl') {
    await writeFile(step.path, step.value);
    return;
  }
  await execFileAsync('ip', step.args, { timeout: IP_COMMAND_TIMEOUT_MS });
};

function describe(step: TunConfigStep): string {
  return step.kind === 'sysctl' ? `write ${step.value} to ${step.path}` : `ip ${step.args.join(' ')}`;
}

function failure(name: string, step: TunConfigStep, detail: string, cause: unknown): SkeinError {
  return new SkeinError(ErrorCodes.TUN_UNAVAILABLE, `configuring ${name}: ${describe(step)} failed: ${detail}`, { cause });
}

/**
 * Run the plan; a failing step becomes SKEIN_ERR_TUN_UNAVAILABLE naming the
 * step and the reason. With a runner, step by step (tests); without, the
 * system's way: sysctl writes, and the ip steps in one batch.
 */
export async function configureTun(c: TunConfig, run?: StepRunner): Promise<void> {
  const plan = tunConfigPlan(c);
  if (run === undefined) return runPlanBatched(c.name, plan);
  for (const step of plan) {
    try {
      await run(step);
    } catch (err) {
      throw failure(c.name, step, (err as { stderr?: string }).stderr?.trim() || (err as Error).message, err);
    }
  }
}

/** `-6` may lead a step (it becomes the batch's family); no other option can be batched. */
const IP_FAMILY_OPTION = '-6';

/** A batch line of an ip step (its arguments without the family option), or undefined if it cannot be batched. */
export function batchLine(step: Extract<TunConfigStep, { kind: 'ip' }>): string | undefined {
  const args = step.args[0] === IP_FAMILY_OPTION ? step.args.slice(1) : step.args;
  if (args.some((a) => a.startsWith('-') || /[\s"'\\#]/.test(a) || a === '')) return undefined;
  return args.join(' ');
}

/** "Command failed -:N": the 1-based line of the batch that failed. */
const BATCH_FAILED_LINE = /Command failed -:(\d+)/;

async function runPlanBatched(name: string, plan: TunConfigStep[]): Promise<void> {
  let i = 0;
  while (i < plan.length) {
    const step = plan[i] as TunConfigStep;
    if (step.kind === 'sysctl') {
      try {
        await systemStepRunner(step);
      } catch (err) {
        throw failure(name, step, (err as Error).message, err);
      }
      i++;
      continue;
    }
    const group: Array<Extract<TunConfigStep, { kind: 'ip' }>> = [];
    for (let j = i; j < plan.length; j++) {
      const s = plan[j] as TunConfigStep;
      if (s.kind !== 'ip' || batchLine(s) === undefined) break;
      group.push(s);
    }
    if (group.length < 2) {
      try {
        await systemStepRunner(step);
      } catch (err) {
        throw failure(name, step, (err as { stderr?: string }).stderr?.trim() || (err as Error).message, err);
      }
      i++;
      continue;
    }
    await runIpSteps(name, group);
    i += group.length;
  }
}

/** Batchable ip steps (see batchLine) as one `ip -batch -`; a failure names the step of the failing line. */
export function runIpSteps(name: string, group: ReadonlyArray<Extract<TunConfigStep, { kind: 'ip' }>>): Promise<void> {
  const family = group.some((s) => s.args[0] === IP_FAMILY_OPTION) ? [IP_FAMILY_OPTION] : [];
  const input = `${group.map((s) => batchLine(s)).join('\n')}\n`;
  return new Promise((resolve, reject) => {
    const child = execFile('ip', [...family, '-batch', '-'], { timeout: IP_COMMAND_TIMEOUT_MS }, (err: ExecFileException | null, _stdout, stderr) => {
      if (!err) return resolve();
      const line = Number(BATCH_FAILED_LINE.exec(stderr)?.[1] ?? 0);
      const step = group[line - 1] ?? group[0]!;
      const detail = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !BATCH_FAILED_LINE.test(l)).join('; ') || err.message;
      reject(failure(name, step, detail, err));
    });
    child.stdin?.on('error', () => { /* ip exited early: its exit status reports it */ });
    child.stdin?.end(input);
  });
}
