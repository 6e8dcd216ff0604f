/**
 * Link impairment (delay, loss, rate) as tc qdiscs on both ends of a link.
 * Pure: parses the operator's values and renders tc arguments itself, so no
 * user string ever reaches tc unchecked.
 *
 * Delay and loss need `netem`; a rate limit alone uses `tbf`, which kernels
 * without sch_netem (some minimal VM kernels) still have.
 */
import { ErrorCodes, SkeinError } from '../util/errors.js';
import type { LinkLayout } from './layout.js';
import type { Command } from './plan.js';

export interface Impairment {
  delayMs?: number;
  lossPercent?: number;
  rateBitsPerSecond?: number;
}

export const MAX_DELAY_MS = 60_000;
export const MIN_RATE_BITS = 8_000;
export const MAX_RATE_BITS = 100_000_000_000;
/** tbf bucket: at least this many bytes, or 10 ms worth of the rate, whichever is larger. */
const TBF_MIN_BURST_BYTES = 16 * 1024;
const TBF_BURST_SECONDS = 0.01;
/** How long a packet may wait in tbf's queue before it is dropped. */
const TBF_LATENCY = '100ms';

const DELAY_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000 };
const RATE_UNITS: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 };
const NUMBER = '(\\d+(?:\\.\\d+)?)';

export function parseDelay(text: string): number {
  const m = new RegExp(`^${NUMBER}(us|ms|s)$`).exec(text.trim().toLowerCase());
  const ms = m ? Number(m[1]) * (DELAY_UNITS[m[2] as string] as number) : NaN;
  if (!(ms >= 0 && ms <= MAX_DELAY_MS)) {
    throw new SkeinError(ErrorCodes.USAGE, `invalid delay '${text}': use a duration like 20ms, 500us or 1s (at most ${MAX_DELAY_MS / 1000}s)`);
  }
  return ms;
}

export function parseLoss(text: string): number {
  const m = new RegExp(`^${NUMBER}%?$`).exec(text.trim());
  const percent = m ? Number(m[1]) : NaN;
  if (!(percent >= 0 && percent <= 100)) throw new SkeinError(ErrorCodes.USAGE, `invalid loss '${text}': use a percentage from 0% to 100%, like 1%`);
  return percent;
}

export function parseRate(text: string): number {
  const m = new RegExp(`^${NUMBER}(bit|kbit|mbit|gbit)$`).exec(text.trim().toLowerCase());
  const bits = m ? Math.round(Number(m[1]) * (RATE_UNITS[m[2] as string] as number)) : NaN;
  if (!(bits >= MIN_RATE_BITS && bits <= MAX_RATE_BITS)) {
    throw new SkeinError(ErrorCodes.USAGE, `invalid rate '${text}': use bits per second like 10mbit, 500kbit or 1gbit (from 8kbit to 100gbit)`);
  }
  return bits;
}

export function isEmptyImpairment(imp: Impairment): boolean {
  return imp.delayMs === undefined && imp.lossPercent === undefined && imp.rateBitsPerSecond === undefined;
}

/** The qdisc (kind and arguments) after `tc qdisc replace dev IF root`. */
export function qdiscArgs(imp: Impairment): string[] {
  if (isEmptyImpairment(imp)) throw new SkeinError(ErrorCodes.USAGE, 'impair needs at least one of --delay, --loss, --rate (or --clear)');
  const rate = imp.rateBitsPerSecond;
  if (imp.delayMs === undefined && imp.lossPercent === undefined && rate !== undefined) {
    const burst = Math.max(TBF_MIN_BURST_BYTES, Math.ceil((rate / 8) * TBF_BURST_SECONDS));
    return ['tbf', 'rate', `${rate}bit`, 'burst', String(burst), 'latency', TBF_LATENCY];
  }
  const args = ['netem'];
  if (imp.delayMs !== undefined) args.push('delay', `${Math.round(imp.delayMs * 1000)}us`);
  if (imp.lossPercent !== undefined) args.push('loss', `${imp.lossPercent}%`);
  if (rate !== undefined) args.push('rate', `${rate}bit`);
  return args;
}

/** Replace the root qdisc on both ends of the link. */
export function impairCommands(link: LinkLayout, imp: Impairment): Command[] {
  const qdisc = qdiscArgs(imp);
  return [link.a, link.b].map((end) => ({ file: 'tc', args: ['-n', end.namespace, 'qdisc', 'replace', 'dev', end.ifname, 'root', ...qdisc] }));
}

/** Remove the root qdisc on both ends (back to the default); the runner tolerates "nothing to delete". */
export function clearImpairmentCommands(link: LinkLayout): Command[] {
  return [link.a, link.b].map((end) => ({ file: 'tc', args: ['-n', end.namespace, 'qdisc', 'del', 'dev', end.ifname, 'root'] }));
}

/** A short human description, e.g. `delay 20ms loss 1% rate 10mbit`. */
export function describeImpairment(imp: Impairment): string {
  const parts: string[] = [];
  if (imp.delayMs !== undefined) parts.push(`delay ${imp.delayMs}ms`);
  if (imp.lossPercent !== undefined) parts.push(`loss ${imp.lossPercent}%`);
  if (imp.rateBitsPerSecond !== undefined) parts.push(`rate ${formatRate(imp.rateBitsPerSecond)}`);
  return parts.join(' ');
}

function formatRate(bits: number): string {
  for (const [unit, factor] of [['gbit', 1e9], ['mbit', 1e6], ['kbit', 1e3]] as const) {
    if (bits >= factor && bits % factor === 0) return `${bits / factor}${unit}`;
  }
  return `${bits}bit`;
}
