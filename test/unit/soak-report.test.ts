import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyse, formatReport, GROWTH_GOAL_MIB_PER_10_MIN, isStable, memoryGrowth, REPLY_WAIT_MS, SETTLE_MS, soakResultRows, soakVerdict, type FaultRecord, type SoakInput } from '../../src/lab/soak-report.js';
import { probesFromPing } from '../../src/lab/soak-traffic.js';

const reply = (atS: number, seq: number, rttMs = 0.5) => `[${atS.toFixed(6)}] 64 bytes from fd00::4: icmp_seq=${seq} ttl=64 time=${rttMs} ms`;

test('probesFromPing: a reply gives its send time (receive − RTT); a missing sequence is lost, its send time interpolated', () => {
  const probes = probesFromPing([reply(100.0005, 1), 'some other line', reply(100.6005, 4), reply(100.8005, 5)]);
  assert.deepEqual(probes.map((p) => [p.seq, p.received]), [[1, true], [2, false], [3, false], [4, true], [5, true]]);
  assert.equal(Math.round(probes[0]!.sentAtMs), 100_000);
  assert.equal(Math.round(probes[1]!.sentAtMs), 100_200);
  assert.equal(Math.round(probes[2]!.sentAtMs), 100_400);
});

const fault = (startMs: number, endMs: number): FaultRecord => ({ kind: 'flap', target: 'n1~n2', startMs, endMs, recovery: { reachableMs: 100, shortestMs: 200 }, cutRecovery: { reachableMs: 50, shortestMs: 50 }, downMs: 2000 });

test('isStable: not within the reply wait before a fault, nor until the settle time after it', () => {
  const f = [fault(10_000, 15_000)];
  assert.equal(isStable(10_000 - REPLY_WAIT_MS - 1, f), true);
  assert.equal(isStable(10_000 - REPLY_WAIT_MS + 1, f), false);
  assert.equal(isStable(12_000, f), false);
  assert.equal(isStable(15_000 + SETTLE_MS, f), false);
  assert.equal(isStable(15_000 + SETTLE_MS + 1, f), true);
});

test('analyse: loss counted in stable periods only; error lines near a fault explained, others not; the verdict says why', () => {
  const probes = [
    { seq: 1, sentAtMs: 1_000, received: true },
    { seq: 2, sentAtMs: 11_000, received: false }, // in the fault
    { seq: 3, sentAtMs: 30_000, received: false }, // stable: a real loss
  ];
  const log = [
    JSON.stringify({ level: 'error', time: new Date(12_000).toISOString(), msg: 'during the fault' }),
    JSON.stringify({ level: 'error', time: new Date(40_000).toISOString(), msg: 'out of nowhere' }),
    JSON.stringify({ level: 'info', time: new Date(40_000).toISOString(), msg: 'fine' }),
  ].join('\n');
  const input: SoakInput = {
    options: { minutes: 1, nodes: 6, seed: 1, restarts: true }, lab: 'x', links: ['n1~n2'], startedAtMs: 0, endedAtMs: 60_000, initialConvergenceMs: 10,
    streams: [{ from: 'n1', to: 'n4', probes }],
    transfers: [{ from: 'n1', to: 'n2', bytes: 10, startedAtMs: 1, endedAtMs: 2, completed: true, ok: true }],
    faults: [fault(10_000, 15_000)],
    rss: [{ atMs: 0, label: 'start', kib: { n1: 1024 }, restarts: { n1: 0 } }, { atMs: 60_000, label: 'end', kib: { n1: 2048 }, restarts: { n1: 1 } }],
    logs: { n1: log },
  };
  const r = analyse(input);
  assert.deepEqual(r.stableLoss, { sent: 2, received: 1, lost: 1, lossPercent: 50 });
  assert.equal(r.pings[0]!.duringFaultsLost, 1);
  assert.equal(r.errors.total, 2);
  assert.deepEqual(r.errors.unexplained.map((e) => e.msg), ['out of nowhere']);
  assert.deepEqual(soakVerdict(r), ['1 probes lost in stable periods', '1 unexplained error lines']);
  const table = formatReport(r);
  assert.match(table, /stable-period loss: 1 of 2 \(50%\)/);
  assert.match(table, /end +2\.0\*/);
  const rows = new Map(soakResultRows(r).map((x) => [x.measure, x.result]));
  assert.equal(rows.get('ping loss in stable periods'), '1 of 2');
  assert.equal(rows.get('error-level log lines'), '2 (1 unexplained)');
  assert.equal(rows.get('link flaps: heal → shortest routes again'), '200 / 200 ms');
});

test('memoryGrowth: judged per process life after the warm-up, as a least-squares slope; a restart starts a new life', () => {
  const minute = 60_000;
  // n1 lives the whole 30 minutes: 100 MiB, one busy sample of +20 MiB at minute 20, then flat; n2 grows 2 MiB per 10 min; n3 restarts at minute 12.
  const rss: SoakInput['rss'] = Array.from({ length: 31 }, (_, m) => ({
    atMs: m * minute, label: `minute ${m}`,
    kib: { n1: (m === 20 ? 120 : 100) * 1024, n2: (100 + m * 0.2) * 1024, n3: 90 * 1024 },
    restarts: { n1: 0, n2: 0, n3: m >= 12 ? 1 : 0 },
  }));
  const growth = new Map(memoryGrowth(rss, 0).map((g) => [g.node, g]));
  assert.equal(growth.get('n2')!.mibPer10Min, 2);
  assert.equal(growth.get('n2')!.spanMs, 25 * minute, 'samples from minute 5 on');
  assert.ok(Math.abs(growth.get('n1')!.mibPer10Min!) < GROWTH_GOAL_MIB_PER_10_MIN, `one busy sample is not a trend: ${growth.get('n1')!.mibPer10Min}`);
  // n3's longest life: minute 12 to 30, judged from minute 17.
  assert.equal(growth.get('n3')!.spanMs, 13 * minute);
  assert.equal(growth.get('n3')!.mibPer10Min, 0);
  const short = memoryGrowth(rss.slice(0, 12), 0);
  assert.ok(short.every((g) => g.mibPer10Min === null), 'under 10 min after the warm-up: not judged');
});

test('memoryGrowth splits a judged slope by part: V8 heap, the rest of the anonymous pages, file-backed', () => {
  const minute = 60_000;
  // 40 MiB file-backed, flat; V8 heap 20 MiB, flat; the C side grows 1 MiB per 10 min.
  // Of the C side, allocations in use grow 0.5 MiB per 10 min (the rest: pages the allocator keeps).
  const parts = (m: number) => ({ anonKiB: (50 + m * 0.1) * 1024, fileKiB: 40 * 1024, v8KiB: 20 * 1024, cInUseKiB: (10 + m * 0.05) * 1024 });
  const rss: SoakInput['rss'] = Array.from({ length: 21 }, (_, m) => ({
    atMs: m * minute, label: `minute ${m}`,
    kib: { n1: (90 + m * 0.1) * 1024, n2: 90 * 1024 },
    restarts: { n1: 0, n2: 0 },
    parts: { n1: parts(m), n2: m === 10 ? null : parts(0) },
  }));
  const [n1, n2] = memoryGrowth(rss, 0);
  assert.deepEqual(n1!.byPart, { fileBacked: 0, v8Heap: 0, outsideV8: 1, cHeapInUse: 0.5 });
  assert.equal(n2!.byPart, undefined, 'a sample without parts (the daemon did not answer): no split rather than a wrong one');
  assert.equal(n2!.mibPer10Min, 0, 'the RSS slope is still judged');
});

test('the verdict fails a daemon that grows past the goal, and the row names it', () => {
  const minute = 60_000;
  const rss: SoakInput['rss'] = Array.from({ length: 31 }, (_, m) => ({ atMs: m * minute, label: `minute ${m}`, kib: { n1: 100 * 1024, n2: (100 + m * 0.15) * 1024 }, restarts: { n1: 0, n2: 0 } }));
  const input: SoakInput = {
    options: { minutes: 30, nodes: 6, seed: 1, restarts: false }, lab: 'x', links: [], startedAtMs: 0, endedAtMs: 30 * minute, initialConvergenceMs: 1,
    streams: [], transfers: [{ from: 'n1', to: 'n2', bytes: 10, startedAtMs: 1, endedAtMs: 2, completed: true, ok: true }], faults: [], rss, logs: {},
  };
  const r = analyse(input);
  assert.deepEqual(soakVerdict(r), ["n2's memory grew 1.5 MiB per 10 min after the warm-up"]);
  assert.match(new Map(soakResultRows(r).map((x) => [x.measure, x.result])).get('daemon RSS growth after warm-up (worst daemon)')!, /^1\.5 MiB per 10 min \(n2, over 25 min; 2 of 2 daemons judged\)/);
  assert.match(formatReport(r), /link flaps only \(no restarts\)/);
});
