/**
 * Reading an `iperf3 -J` client report (pure): the receiver's TCP
 * throughput (what actually arrived), the sender's retransmits, or the
 * error iperf3 reported.
 */

export interface IperfResult {
  /** Throughput measured at the receiver, Mbit/s (10^6 bits per second). */
  mbps: number;
  retransmits: number | null;
}

export type IperfOutcome = { ok: true; result: IperfResult } | { ok: false; error: string };

const BITS_PER_MEGABIT = 1_000_000;

function field(value: unknown, ...path: string[]): unknown {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

export function parseIperfJson(text: string): IperfOutcome {
  let report: unknown;
  try {
    report = JSON.parse(text);
  } catch {
    const firstLine = text.trim().split('\n')[0] ?? '';
    return { ok: false, error: firstLine === '' ? 'iperf3 printed nothing' : `iperf3 printed no JSON: ${firstLine.slice(0, 200)}` };
  }
  const error = field(report, 'error');
  if (typeof error === 'string') return { ok: false, error: `iperf3: ${error}` };
  const bps = field(report, 'end', 'sum_received', 'bits_per_second');
  if (typeof bps !== 'number' || !Number.isFinite(bps)) return { ok: false, error: 'iperf3 report has no end.sum_received.bits_per_second' };
  const retransmits = field(report, 'end', 'sum_sent', 'retransmits');
  return { ok: true, result: { mbps: bps / BITS_PER_MEGABIT, retransmits: typeof retransmits === 'number' ? retransmits : null } };
}
