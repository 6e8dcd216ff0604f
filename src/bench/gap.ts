/**
 * The outage a continuous ping saw around an event (a cut link), pure.
 *
 * The primary number is the longest interval between two consecutive
 * replies (from `ping -D` timestamps): with no loss it is about one ping
 * interval, and across an outage it is the outage plus up to one interval.
 * The longest run of missing sequence numbers × the interval is reported
 * beside it, as a cross-check that does not depend on timestamps.
 */
import type { PingReply } from './ping-output.js';

export interface ReplyGap {
  /** Longest interval between consecutive replies (ms); up to the run's end when replies never resumed. */
  maxGapMs: number;
  /** When that longest interval began, relative to the event (ms; negative = before it). */
  gapStartFromEventMs: number | null;
  /** Longest run of consecutive sequence numbers with no reply. */
  longestLostRun: number;
  /** Sequence numbers with no reply between the first and last reply. */
  lost: number;
  repliesBeforeEvent: number;
  repliesAfterEvent: number;
  /** True when a reply arrived after the event (the path came back). */
  recovered: boolean;
}

/**
 * @param replies reply lines in any order (duplicates are ignored: the first
 *   arrival of each sequence number counts)
 * @param eventMs when the link was cut (same clock as the replies)
 * @param endMs when the ping ended: closes an interval when replies never resumed
 */
export function replyGap(replies: readonly PingReply[], eventMs: number, endMs: number): ReplyGap {
  const bySeq = new Map<number, PingReply>();
  for (const r of replies) {
    const seen = bySeq.get(r.seq);
    if (!seen || r.atMs < seen.atMs) bySeq.set(r.seq, r);
  }
  const inTime = [...bySeq.values()].sort((a, b) => a.atMs - b.atMs);
  const before = inTime.filter((r) => r.atMs < eventMs).length;
  const after = inTime.length - before;
  let maxGapMs = 0;
  let gapStart: number | null = null;
  for (let i = 1; i < inTime.length; i++) {
    const d = (inTime[i] as PingReply).atMs - (inTime[i - 1] as PingReply).atMs;
    if (d > maxGapMs) {
      maxGapMs = d;
      gapStart = (inTime[i - 1] as PingReply).atMs;
    }
  }
  const last = inTime[inTime.length - 1];
  if (last && after === 0 && endMs - last.atMs > maxGapMs) {
    maxGapMs = endMs - last.atMs;
    gapStart = last.atMs;
  }
  const { longestRun, missing } = missingRuns([...bySeq.keys()]);
  return {
    maxGapMs,
    gapStartFromEventMs: gapStart === null ? null : gapStart - eventMs,
    longestLostRun: longestRun,
    lost: missing,
    repliesBeforeEvent: before,
    repliesAfterEvent: after,
    recovered: after > 0,
  };
}

function missingRuns(seqs: number[]): { longestRun: number; missing: number } {
  const sorted = [...seqs].sort((a, b) => a - b);
  let longestRun = 0;
  let missing = 0;
  for (let i = 1; i < sorted.length; i++) {
    const run = (sorted[i] as number) - (sorted[i - 1] as number) - 1;
    missing += run;
    if (run > longestRun) longestRun = run;
  }
  return { longestRun, missing };
}
