/**
 * Measures a simulation in phases: each phase applies a change, runs until
 * the network is quiet, then checks every route table against the reference
 * and records virtual convergence time and the control traffic it cost.
 */
import { performance } from 'node:perf_hooks';
import { checkTables, type TableCheck } from './check.js';
import type { SimNetwork } from './network.js';

/** Quiet this long (virtual) = converged: above every internal delay of the core (retransmit 2 s, origination limit 1 s). */
export const QUIET_MS = 6_000;
/** Give up on a phase after this much virtual time. */
export const PHASE_LIMIT_MS = 10 * 60_000;

export interface PhaseReport {
  phase: string;
  /** Virtual ms from the change to the last route change anywhere (0: no route changed). */
  convergenceMs: number;
  quiet: boolean;
  messagesPerNode: number;
  bytesPerNode: number;
  /** Mean records and bytes in a running node's database at the end. */
  databaseRecords: number;
  databaseBytes: number;
  check: TableCheck;
  /** Anything else the phase verified (e.g. a departed node's record gone everywhere). */
  extra?: Record<string, number | boolean | string>;
}

function traffic(net: SimNetwork): { messages: number; bytes: number } {
  let messages = 0;
  let bytes = 0;
  for (const n of net.nodes) {
    messages += n.messagesSent;
    bytes += n.bytesSent;
  }
  return { messages, bytes };
}

/** Runs `advance` (which moves virtual time) and measures what it cost from the state before it. */
function measure(net: SimNetwork, phase: string, advance: () => boolean): PhaseReport {
  const before = traffic(net);
  const start = net.now;
  net.lastRouteChangeAt = -Infinity;
  const quiet = advance();
  const after = traffic(net);
  const running = net.nodes.filter((n) => n.router !== undefined);
  const count = Math.max(1, running.length);
  let records = 0;
  let bytes = 0;
  for (const n of running) {
    const db = n.router?.database();
    records += db?.records ?? 0;
    bytes += db?.bytes ?? 0;
  }
  return {
    phase,
    convergenceMs: net.lastRouteChangeAt === -Infinity ? 0 : net.lastRouteChangeAt - start,
    quiet,
    messagesPerNode: (after.messages - before.messages) / count,
    bytesPerNode: (after.bytes - before.bytes) / count,
    databaseRecords: records / count,
    databaseBytes: bytes / count,
    check: checkTables(net),
  };
}

export function runPhase(net: SimNetwork, phase: string, change: () => void): PhaseReport {
  return measure(net, phase, () => {
    change();
    return net.runUntilQuiet(QUIET_MS, PHASE_LIMIT_MS);
  });
}

/**
 * Runs `windowMs` of virtual time with no change and reports the traffic
 * in it, and per node and second in `extra.bytesPerNodePerSecond`.
 */
export function runWindow(net: SimNetwork, phase: string, windowMs: number): PhaseReport {
  const report = measure(net, phase, () => {
    net.runFor(windowMs);
    return true;
  });
  return { ...report, extra: { bytesPerNodePerSecond: Math.round(report.bytesPerNode / (windowMs / 1000)) } };
}

export function timed<T>(fn: () => T): { value: T; realMs: number } {
  const t0 = performance.now();
  const value = fn();
  return { value, realMs: performance.now() - t0 };
}
