import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeRtts } from '../../src/bench/node-relay-floor.js';
import { formatCpu, formatMarkdown, formatMbps, formatReport } from '../../src/bench/report.js';
import { comparisons, RESULTS_VERSION, type BenchResults, type PathRun } from '../../src/bench/results.js';
import { evaluateTargets, targetValues, TARGETS, verdict } from '../../src/bench/targets.js';
import type { ReplyGap } from '../../src/bench/gap.js';

function path(transport: 'kernel' | 'skein', hops: number, mbps: number | null, rttMs: number | null, mtu = transport === 'kernel' ? 1500 : 64000): PathRun {
  return {
    transport, mtu, hops, from: 'n1', to: `n${hops + 1}`,
    throughput: mbps === null ? null : { mbps, retransmits: 0 },
    rtt: rttMs === null ? null : { transmitted: 20, received: 20, minMs: rttMs, avgMs: rttMs, maxMs: rttMs, mdevMs: 0 },
    cpuPercent: transport === 'skein' ? { n1: 97.4, n2: 61.2, n3: 0.4, n4: 0.6 } : {},
    machineBusyPercent: 99.6,
    errors: [],
  };
}

const gap = (maxGapMs: number, recovered = true): ReplyGap => ({ maxGapMs, gapStartFromEventMs: -40, longestLostRun: 3, lost: 3, repliesBeforeEvent: 19, repliesAfterEvent: 46, recovered });

function results(over: Partial<BenchResults> = {}): BenchResults {
  return {
    version: RESULTS_VERSION,
    date: '2026-11-25T22:00:00.000Z',
    durationMs: 80_000,
    machine: { nproc: 2, cpuModel: 'AMD EPYC', kernel: '6.18.44', node: 'v20.20.2', loadAverage: [0.5, 0.4, 0.3] },
    settings: { iperfSeconds: 5, iperfOmitSeconds: 1, pingCount: 20, pingIntervalMs: 50, rerouteIntervalMs: 100, lineNodes: 4, ringNodes: 6 },
    runs: [path('kernel', 1, 20_000, 0.05), path('kernel', 3, 10_000, 0.1), path('skein', 1, 2_500, 0.4), path('skein', 3, 700, 0.9), path('skein', 3, 300, 0.8, 1400)],
    startup: [{ label: 'cold start', from: 'n1', to: 'n4', hops: 3, firstPingMs: 850, attempts: 40, daemonsUpMs: 400.4, linksUpMs: 612 }],
    reroute: [{ cut: 'n2-n3', from: 'n1', to: 'n3', hopsBefore: 2, intervalMs: 100, gap: gap(420) }, { cut: 'n1-n2', from: 'n1', to: 'n3', hopsBefore: 2, intervalMs: 100, gap: gap(310) }],
    memory: { n1: { rssKiB: 131072, peakKiB: 140000 } },
    errors: [],
    ...over,
  };
}

test('each Skein run is compared with the kernel run of the same hop count', () => {
  const c = comparisons(results());
  assert.equal(c.length, 3);
  assert.equal(c[0]?.throughputRatio, 2500 / 20_000);
  assert.ok(Math.abs((c[1]?.addedRttMs ?? 0) - 0.8) < 1e-9);
  assert.equal(c[1]?.rttRatio, 9);
  assert.equal(c[2]?.mtu, 1400);
  assert.equal(c[2]?.throughputRatio, 0.03);
  const noKernel = comparisons(results({ runs: [path('kernel', 1, null, null), path('skein', 1, 100, 1)] }));
  assert.deepEqual(noKernel[0], { hops: 1, mtu: 64000, throughputRatio: null, addedRttMs: null, rttRatio: null });
});

test('targets: ratios at the default MTU only, added RTT, first ping, the worst reroute gap', () => {
  const v = targetValues(results());
  assert.equal(v['throughput-1hop'], 12.5);
  assert.ok(Math.abs((v['throughput-3hop'] ?? 0) - 7) < 1e-9);
  assert.ok(Math.abs((v['added-rtt-3hop'] ?? 0) - 0.8) < 1e-9);
  assert.equal(v['first-ping'], 850);
  assert.equal(v['reroute-gap'], 420);
  const verdicts = Object.fromEntries(evaluateTargets(results()).map((t) => [t.id, t.verdict]));
  assert.deepEqual(verdicts, { 'throughput-3hop': 'MISS', 'throughput-1hop': 'PASS', 'added-rtt-3hop': 'PASS', 'first-ping': 'PASS', 'reroute-gap': 'PASS' });
});

test('verdicts: "at least" includes the limit, "under" excludes it, a missing value is N/A', () => {
  const [atLeast] = TARGETS.filter((t) => t.rule === 'atLeast');
  const [under] = TARGETS.filter((t) => t.rule === 'under');
  assert.ok(atLeast && under);
  assert.equal(verdict(atLeast, atLeast.limit), 'PASS');
  assert.equal(verdict(atLeast, atLeast.limit - 0.01), 'MISS');
  assert.equal(verdict(under, under.limit), 'MISS');
  assert.equal(verdict(under, under.limit - 0.01), 'PASS');
  assert.equal(verdict(under, null), 'N/A');
  assert.equal(verdict(under, Number.NaN), 'N/A');
});

test('failed measurements: N/A, never a crash; a ping that never recovered is a miss', () => {
  const r = results({
    runs: [path('kernel', 1, null, 0.05), path('skein', 1, 100, null)],
    startup: [{ label: 'cold start', from: 'n1', to: 'n4', hops: 3, firstPingMs: null, attempts: 3000, error: 'no reply' }],
    reroute: [{ cut: 'n2-n3', from: 'n1', to: 'n3', hopsBefore: 2, intervalMs: 100, gap: gap(5000, false) }],
  });
  const verdicts = Object.fromEntries(evaluateTargets(r).map((t) => [t.id, t.verdict]));
  assert.deepEqual(verdicts, { 'throughput-3hop': 'N/A', 'throughput-1hop': 'N/A', 'added-rtt-3hop': 'N/A', 'first-ping': 'N/A', 'reroute-gap': 'MISS' });
  const oneFailed = results({ reroute: [...results().reroute, { cut: 'x', from: 'n1', to: 'n3', hopsBefore: 0, intervalMs: 100, gap: null, error: 'boom' }] });
  assert.equal(targetValues(oneFailed)['reroute-gap'], null);
  const text = formatReport(r);
  assert.match(text, /first ping n1 → n4 \(3 hops\), cold start: not measured \(no reply\)/);
  assert.match(text, /replies never resumed/);
  assert.match(text, /failed/);
});

test('the report: machine line, one table row per path with share of the limit and CPU per node, targets with PASS/MISS', () => {
  const text = formatReport(results());
  const lines = text.split('\n');
  assert.match(lines[0] ?? '', /^skein bench, 2026-11-25T22:00:00.000Z \(80 s\): 2 cores \(AMD EPYC\), Linux 6.18.44, Node v20.20.2, load average at start 0.5 0.4 0.3$/);
  const skein1 = lines.find((l) => /^skein\s+1\s+64000/.test(l));
  assert.ok(skein1, text);
  assert.match(skein1, /2,500\s+12\.5%\s+0\.400\s+0\.350\s+8\.0×\s+n1 97 · n2 61 · n3 0 · n4 1\s+100%/);
  assert.match(text, /^kernel routing \(limit\)\s+3\s+1500\s+10,000\s+-\s+0\.100/m);
  assert.match(text, /^MISS  3-hop TCP throughput, share of kernel routing: 7\.0% \(target ≥ 8%\)$/m);
  assert.match(text, /^PASS  ping gap when a ring link is cut \(worst cut\): 420 ms \(target < 500 ms\)$/m);
  assert.match(text, /cut n2-n3 while n1 pings n3 \(2 hops\) every 0.1 s: longest gap between replies 420 ms \(3 lost, longest lost run 3 × 100 ms = 300 ms\)/);
  assert.match(text, /^first ping n1 → n4 \(3 hops\), cold start: 850 ms after starting all daemons \(every daemon up at 400 ms, last link up at 612 ms\)$/m);
  assert.match(text, /resident memory \(VmRSS\): n1 128 MiB \(peak 137\)/);
  assert.match(text, /^targets:$/m);
});

test('Markdown: a header, a separator and one row per path, then the targets', () => {
  const md = formatMarkdown(results()).split('\n');
  assert.equal(md[0], '| path | hops | mtu | Mbit/s | of limit | rtt ms | added rtt ms | rtt × limit | cpu % per node | machine busy |');
  assert.match(md[1] ?? '', /^\| --- \|/);
  assert.equal(md.filter((l) => l.startsWith('| skein |')).length, 3);
  assert.ok(md.includes('| 1-hop TCP throughput, share of kernel routing | 12.5% | ≥ 10% | PASS |'));
});

test('number formats', () => {
  assert.equal(formatMbps(12345.6), '12,346');
  assert.equal(formatMbps(56.54), '56.5');
  assert.equal(formatCpu({}), '-');
  assert.equal(formatCpu({ n1: 99.5, n2: 0.2 }), 'n1 100 · n2 0');
});

test('the Node.js relay floor: summarised like ping, reported with what Skein adds over it', () => {
  const s = summarizeRtts([1, 2, 3]);
  assert.deepEqual([s.transmitted, s.received, s.minMs, s.avgMs, s.maxMs], [3, 3, 1, 2, 3]);
  assert.ok(Math.abs(s.mdevMs - Math.sqrt(2 / 3)) < 1e-9);
  const rtt = { transmitted: 20, received: 20, minMs: 0.3, avgMs: 0.5, maxMs: 1, mdevMs: 0.2 };
  const text = formatReport(results({ nodeRelayFloor: { hops: 3, from: 'n1', to: 'n4', rtt } }));
  const line = text.split('\n').find((l) => l.startsWith('plain Node.js TCP relays n1 → n4 (3 hops'));
  assert.ok(line, text);
  assert.match(line, /RTT avg 0\.500 ms \(min 0\.300, max 1\.000\); Skein's RTT at 3 hops is 0\.400 ms above it/);
  const failed = formatReport(results({ nodeRelayFloor: { hops: 3, from: 'n1', to: 'n4', rtt: null, error: 'no round trips' } }));
  assert.match(failed, /plain Node\.js TCP relays n1 → n4 .*: not measured \(no round trips\)/);
  assert.ok(!formatReport(results()).includes('plain Node.js'), 'absent in older results');
});
