/**
 * Yggdrasil on the bench line, measured exactly as Skein is: time from
 * spawning the daemons to the first ping n1 → n4, idle pings right after
 * the start and after each transfer, iperf3 with each daemon's CPU, and its
 * memory. Skipped, and said so, when `yggdrasil` is not on PATH. Runs only
 * after Skein's daemons are gone (the caller checks the line is quiet) and
 * leaves nothing behind: daemons stopped, configs and logs removed.
 */
import type { Lab } from '../lab/lab.js';
import { messageOf, throwIfAborted, type BenchContext } from './context.js';
import { interfaceMtu } from './link-mtu.js';
import { FIRST_PING_DEADLINE_MS, measureLine } from './path-measure.js';
import { timeToFirstPing } from './probes.js';
import type { BenchResults, StartupRun, YggdrasilStatus } from './results.js';
import { configureYggdrasil, startYggdrasil, yggdrasilInstalled, yggdrasilVersion, type YggdrasilLine } from './yggdrasil-line.js';

type Out = Pick<BenchResults, 'runs' | 'startup' | 'memory' | 'errors'>;

export async function runYggdrasilLine(ctx: BenchContext, lab: Lab, out: Out): Promise<YggdrasilStatus> {
  if (!yggdrasilInstalled()) {
    ctx.log('yggdrasil: skipped (not installed: no yggdrasil on PATH)');
    return { measured: false, skipped: 'not installed' };
  }
  const version = yggdrasilVersion();
  ctx.log(`yggdrasil ${version ?? '(version unknown)'} on the same line, static TCP peers over the veth links:`);
  let line: YggdrasilLine | undefined;
  let started = false;
  try {
    const configured = await configureYggdrasil(lab);
    line = startYggdrasil(lab, configured);
    const ygg = line;
    const from = lab.nodes[0] as string;
    const to = lab.nodes[lab.nodes.length - 1] as string;
    const run: StartupRun = { transport: 'yggdrasil', label: 'start', from, to, hops: lab.nodes.length - 1, firstPingMs: null, attempts: 0 };
    out.startup.push(run);
    try {
      const first = await timeToFirstPing(lab, from, ygg.addresses.get(to) ?? '', ygg.startedAtMs, FIRST_PING_DEADLINE_MS, ctx.signal);
      run.firstPingMs = first.ms;
      run.attempts = first.attempts;
      ctx.log(`  first ping ${from} → ${to}: ${Math.round(first.ms)} ms after starting the daemons (${first.attempts} tries)`);
    } catch (err) {
      throwIfAborted(ctx);
      run.error = `${messageOf(err)}; ${from}'s log ends: ${ygg.logTail(from)}`;
      throw new Error(run.error);
    }
    started = true;
    // Its default IfMTU is left as it is, as Skein's is; the TUN gets what Yggdrasil can carry.
    const mtu = (await interfaceMtu(lab.namespace(from), ygg.ifNames.get(from) ?? '')) ?? 0;
    ctx.log(`  TUN MTU ${mtu}`);
    const measured = await measureLine(ctx, lab, { transport: 'yggdrasil', mtu, address: (n) => ygg.addresses.get(n) ?? '', pids: ygg.pids }, { idlePhases: ['after start', 'after transfer'], memory: true });
    out.runs.push(...measured.runs);
    if (measured.memory) out.memory.yggdrasil = measured.memory;
  } catch (err) {
    throwIfAborted(ctx);
    out.errors.push(`line, yggdrasil: ${messageOf(err)}`);
  } finally {
    await line?.stop();
  }
  return started ? { measured: true, version } : { measured: false, skipped: 'did not start (see the errors)' };
}
