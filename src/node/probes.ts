/**
 * Mesh ping and trace, end to end through sessions.
 *
 * ping: echo requests sealed in the session to the target; the target
 *   answers inside the same session, so every reply proves the encrypted
 *   path both ways. RTT is measured locally; hops come from hop limits.
 * trace: echo requests with hop limits 1, 2, 3…; the relay where one runs
 *   out answers with a signed hop-limit-exceeded report (verified against
 *   the relay's certified key), the target with an echo reply.
 */
import { randomInt } from 'node:crypto';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { DEFAULT_HOP_LIMIT } from '../wire/packet-constants.js';
import { hopsTravelled, MAX_ECHO_PADDING_BYTES, type EchoReply } from '../wire/session-payload.js';
import type { UnreachableReport } from '../dataplane/forward-unreachable.js';
import type { DataPlane } from './data-plane.js';
import type { RoutingHost } from './routing-host.js';
import type { AdminRegistry } from '../control/server.js';
import type { PingEvent, PingSummary, TraceHop, TraceResult } from '../control/protocol.js';

export const DEFAULT_PING_TIMEOUT_MS = 2_000;
export const MAX_PING_COUNT = 100_000;
export const MAX_TRACE_HOPS = 64;





interface Waiter {
  resolve: (v: { kind: 'reply'; reply: EchoReply; arrivedHopLimit: number; from: string } | { kind: 'report'; report: UnreachableReport }) => void;
  timer: NodeJS.Timeout;
}

export class Prober {
  private readonly byEcho = new Map<string, Waiter>();
  private readonly byProbe = new Map<string, Waiter>();

  constructor(private readonly data: DataPlane, private readonly routing: RoutingHost) {
    data.on('payload', (from, p, arrivedHopLimit) => {
      if (p.kind !== 'echo-reply') return;
      const w = this.byEcho.get(`${p.id}:${p.seq}`);
      if (w) w.resolve({ kind: 'reply', reply: p, arrivedHopLimit, from: from.idText });
    });
    data.on('unreachable', (report) => {
      const w = this.byProbe.get(report.probeKey);
      if (w) w.resolve({ kind: 'report', report });
    });
  }

  /** A member by name or id: its id, or a SkeinError naming the target. */
  resolveTarget(target: string): { id: string; name: string } {
    const m = this.routing.resolve(target);
    if (!m) throw new SkeinError(ErrorCodes.USAGE, `no reachable member '${target}' (see skein nodes)`);
    if (m.self) throw new SkeinError(ErrorCodes.USAGE, `'${target}' is this node`);
    return { id: m.id, name: m.name };
  }

  /** Send one echo request with the given hop limit and wait for its reply or a relay's report. */
  private probe(targetId: string, echoId: number, seq: number, hopLimit: number, padding: number, timeoutMs: number, pattern?: Uint8Array) {
    const started = performance.now();
    return new Promise<{ result: Parameters<Waiter['resolve']>[0] | null; rttMs: number }>((resolve) => {
      const keys: string[] = [];
      const key = `${echoId}:${seq}`;
      const finish = (result: Parameters<Waiter['resolve']>[0] | null) => {
        clearTimeout(waiter.timer);
        this.byEcho.delete(key);
        for (const k of keys) this.byProbe.delete(k);
        resolve({ result, rttMs: performance.now() - started });
      };
      const waiter: Waiter = { resolve: finish, timer: setTimeout(() => finish(null), timeoutMs) };
      this.byEcho.set(key, waiter);
      const sentKeys: string[] = [];
      this.data.send(targetId, {
        kind: 'echo-request', id: echoId, seq, sentAtMicros: Date.now() * 1000, hopLimit, padding: fillPattern(padding, pattern),
      }, { hopLimit, probeKeys: sentKeys });
      for (const k of sentKeys) {
        keys.push(k);
        this.byProbe.set(k, waiter);
      }
    });
  }

  async ping(target: string, opts: { count: number; intervalMs: number; timeoutMs: number; size: number; pattern?: Uint8Array }, emit: (e: PingEvent) => void, stopped: () => boolean): Promise<PingSummary> {
    const t = this.resolveTarget(target);
    if (opts.size < 0 || opts.size > MAX_ECHO_PADDING_BYTES) throw new SkeinError(ErrorCodes.USAGE, `size must be 0..${MAX_ECHO_PADDING_BYTES}`);
    const echoId = randomInt(0, 0x10000);
    const rtts: number[] = [];
    const inFlight: Array<Promise<void>> = [];
    let transmitted = 0;
    for (let seq = 0; seq < Math.min(opts.count, MAX_PING_COUNT) && !stopped(); seq++) {
      transmitted++;
      inFlight.push(this.probe(t.id, echoId, seq, DEFAULT_HOP_LIMIT, opts.size, opts.timeoutMs, opts.pattern).then(({ result, rttMs }) => {
        if (result?.kind === 'reply') {
          rtts.push(rttMs);
          emit({ type: 'reply', seq, from: t.name, rttMs: round3(rttMs), hops: result.reply.requestHops, replyHops: hopsTravelled(result.reply.hopLimit, result.arrivedHopLimit) });
        } else emit({ type: 'timeout', seq });
      }));
      if (seq + 1 < opts.count) await new Promise((r) => setTimeout(r, opts.intervalMs));
    }
    await Promise.all(inFlight);
    const summary: PingSummary = {
      target: t.name, id: t.id, transmitted, received: rtts.length,
      lossPercent: transmitted === 0 ? 0 : round3((100 * (transmitted - rtts.length)) / transmitted),
      minMs: rtts.length ? round3(Math.min(...rtts)) : null,
      avgMs: rtts.length ? round3(rtts.reduce((a, b) => a + b, 0) / rtts.length) : null,
      maxMs: rtts.length ? round3(Math.max(...rtts)) : null,
    };
    emit({ type: 'summary', ...summary });
    return summary;
  }

  async trace(target: string, opts: { maxHops: number; timeoutMs: number }): Promise<TraceResult> {
    const t = this.resolveTarget(target);
    const echoId = randomInt(0, 0x10000);
    // Establish the session first, so each probe below is one sealed packet.
    const first = await this.probe(t.id, echoId, 0, DEFAULT_HOP_LIMIT, 0, opts.timeoutMs);
    if (first.result?.kind !== 'reply') throw new SkeinError(ErrorCodes.USAGE, `no answer from '${t.name}' within ${opts.timeoutMs} ms`);
    const hops: TraceHop[] = [];
    const nameOf = (id: string) => this.routing.resolve(id)?.name ?? null;
    for (let ttl = 1; ttl <= Math.min(opts.maxHops, MAX_TRACE_HOPS); ttl++) {
      const { result, rttMs } = await this.probe(t.id, echoId, ttl, ttl, 0, opts.timeoutMs);
      if (result?.kind === 'reply') {
        hops.push({ hop: ttl, id: t.id, name: t.name, rttMs: round3(rttMs), reached: true });
        break;
      }
      if (result?.kind === 'report') hops.push({ hop: ttl, id: result.report.relay, name: nameOf(result.report.relay), rttMs: round3(rttMs), reached: false });
      else hops.push({ hop: ttl, id: null, name: null, rttMs: null, reached: false });
    }
    return { target: t.name, id: t.id, hops };
  }
}

/** Padding of `size` bytes: zeros, or the pattern repeated (like ping -p). */
function fillPattern(size: number, pattern?: Uint8Array): Uint8Array {
  const out = new Uint8Array(size);
  if (pattern && pattern.byteLength > 0) for (let i = 0; i < size; i++) out[i] = pattern[i % pattern.byteLength]!;
  return out;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** The admin methods `trace` and `ping` (streamed); parameters out of range take their defaults. */
export function registerProbeAdmin(admin: AdminRegistry, prober: Prober): void {
  admin.register('trace', (p) => prober.trace(String(p.target ?? ''), {
    maxHops: intParam(p.maxHops, 30), timeoutMs: intParam(p.timeoutMs, DEFAULT_PING_TIMEOUT_MS),
  }));
  admin.registerStream('ping', (p, emit) => {
    let stopped = false;
    prober.ping(String(p.target ?? ''), {
      count: intParam(p.count, 4), intervalMs: intParam(p.intervalMs, 1000), timeoutMs: intParam(p.timeoutMs, DEFAULT_PING_TIMEOUT_MS), size: intParam(p.size, 56),
      ...(typeof p.pattern === 'string' && p.pattern.length > 0 ? { pattern: new TextEncoder().encode(p.pattern.slice(0, 256)) } : {}),
    }, (e: PingEvent) => emit(e), () => stopped).catch((err: Error) => emit({ type: 'error', code: (err as { code?: string }).code ?? 'SKEIN_ERR_INTERNAL', message: err.message }));
    return () => { stopped = true; };
  });
}

function intParam(v: unknown, dflt: number): number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : dflt;
}
