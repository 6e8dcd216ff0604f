/**
 * Where the time to the first ping went, read afterwards from the daemons'
 * own JSON logs (so the measurement itself polls nothing): when each daemon
 * logged "node up" and when its links came up ("link up"). Informative only:
 * when the log lines change, these become null and nothing else does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../lab/lab.js';
import { NODE_LOG_FILE } from '../lab/mesh.js';

export const NODE_UP_MESSAGE = 'node up';
export const LINK_UP_MESSAGE = 'link up';

/** Times (ms since the epoch) of the log lines with this message, at or after `sinceMs` (pure). */
export function logTimes(logText: string, message: string, sinceMs: number): number[] {
  const times: number[] = [];
  for (const line of logText.split('\n')) {
    if (!line.includes(message)) continue;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    const { msg, time } = (entry ?? {}) as { msg?: unknown; time?: unknown };
    const at = typeof time === 'number' ? time : typeof time === 'string' ? Date.parse(time) : Number.NaN;
    if (msg === message && Number.isFinite(at) && at >= sinceMs) times.push(at);
  }
  return times;
}

export interface StartupBreakdown {
  /** When the last daemon logged "node up", after the start. */
  daemonsUpMs: number | null;
  /** When the last link that came up before the first reply came up, after the start. */
  linksUpMs: number | null;
}

/** The breakdown from per-node log texts (pure). */
export function startupBreakdown(logs: readonly string[], startedAtMs: number, firstReplyAtMs: number): StartupBreakdown {
  const nodeUps = logs.map((l) => logTimes(l, NODE_UP_MESSAGE, startedAtMs)[0]);
  const linkUps = logs.flatMap((l) => logTimes(l, LINK_UP_MESSAGE, startedAtMs)).filter((t) => t <= firstReplyAtMs);
  const allUp = nodeUps.every((t) => t !== undefined) && nodeUps.length > 0;
  return {
    daemonsUpMs: allUp ? Math.max(...(nodeUps as number[])) - startedAtMs : null,
    linksUpMs: linkUps.length > 0 ? Math.max(...linkUps) - startedAtMs : null,
  };
}

export function readStartupBreakdown(lab: Lab, startedAtMs: number, firstReplyAtMs: number): StartupBreakdown {
  const logs = lab.nodes.map((n) => {
    try {
      return readFileSync(join(lab.nodeDir(n), NODE_LOG_FILE), 'utf8');
    } catch {
      return '';
    }
  });
  return startupBreakdown(logs, startedAtMs, firstReplyAtMs);
}
