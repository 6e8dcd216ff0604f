/**
 * Parsing what iputils `ping` prints (pure): the summary of a counted run
 * (loss and the rtt min/avg/max/mdev line) and, with `-D`, the reply lines
 * with their wall-clock timestamps, which is what the reroute gap is
 * computed from.
 */

export interface PingSummary {
  transmitted: number;
  received: number;
  minMs: number;
  avgMs: number;
  maxMs: number;
  mdevMs: number;
}

export interface PingReply {
  seq: number;
  /** Wall-clock time the reply arrived (ms since the epoch), from `ping -D`. */
  atMs: number;
  rttMs: number;
}

const COUNTS = /(\d+) packets transmitted, (\d+) (?:packets )?received/;
/** iputils prints "rtt min/avg/max/mdev = …", older builds "round-trip …". */
const RTT = /= ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms/;
/** `[1700000000.123456] 64 bytes from fd…: icmp_seq=7 ttl=64 time=0.123 ms` (maybe "(DUP!)"). */
const REPLY = /^\[(\d+(?:\.\d+)?)\] \d+ bytes from .*?icmp_seq=(\d+)\b.*? time=([\d.]+) ms/;

/** The summary of a counted ping, or undefined when it has no rtt line (nothing came back). */
export function parsePingSummary(text: string): PingSummary | undefined {
  const counts = COUNTS.exec(text);
  const rtt = RTT.exec(text);
  if (!counts || !rtt) return undefined;
  return {
    transmitted: Number(counts[1]),
    received: Number(counts[2]),
    minMs: Number(rtt[1]),
    avgMs: Number(rtt[2]),
    maxMs: Number(rtt[3]),
    mdevMs: Number(rtt[4]),
  };
}

/** Every echo reply line of a `ping -D` output, in output order (duplicates included). */
export function parsePingReplies(text: string): PingReply[] {
  const replies: PingReply[] = [];
  for (const line of text.split('\n')) {
    const m = REPLY.exec(line.trim());
    if (m) replies.push({ atMs: Number(m[1]) * 1000, seq: Number(m[2]), rttMs: Number(m[3]) });
  }
  return replies;
}
