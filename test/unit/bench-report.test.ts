import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeRtts } from '../../src/bench/relay-floor.js';
import { formatCpu, formatMarkdown, formatMarkdownLine, formatMbps, formatRatio, formatReport, ratioLine } from '../../src/bench/report.js';
import { comparisons, meanMemory, yggdrasilRatios } from '../../src/bench/results.js';
import { evaluateTargets, targetValues, TARGETS, verdict } from '../../src/bench/targets.js';
import { benchResults as results, gap, path } from '../helpers/bench-results.js';

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

test('Skein against Yggdrasil: throughput, idle RTT per phase, interval and hop count, first ping, mean RSS', () => {
  const q = yggdrasilRatios(results());
  assert.ok(q);
  assert.deepEqual(q.throughput, [{ hops: 1, ratio: 2.5 }, { hops: 3, ratio: 2 }]);
  const at = (phase: string, intervalMs: number, hops: number) => q.rtt.find((x) => x.phase === phase && x.intervalMs === intervalMs && x.hops === hops)?.ratio;
  assert.equal(at('after start', 200, 1), 1.5);
  assert.equal(at('after start', 1000, 3), 2.5);
  assert.equal(at('after transfer', 1000, 3), 2);
  assert.equal(q.rtt.length, 8);
  assert.equal(q.firstPing, 8.5, 'the cold start, not the restart');
  assert.deepEqual(q.rss, { idle: 8, loadMax: 6.25, peak: 5.2 });
  assert.equal(yggdrasilRatios(results({ yggdrasil: { measured: false, skipped: 'not installed' } })), undefined);
  const noYggRuns = yggdrasilRatios(results({ runs: results().runs.filter((r) => r.transport !== 'yggdrasil'), memory: {} }));
  assert.ok(noYggRuns && noYggRuns.throughput.every((t) => t.ratio === null) && noYggRuns.rss.idle === null, 'failed runs give null ratios, not a crash');
  assert.equal(meanMemory(undefined, 'idleKiB'), null);
});

test('targets: ratios at the default MTU only, added RTT warm and idle, first ping of Skein, the worst reroute gap', () => {
  const v = targetValues(results());
  assert.equal(v['throughput-1hop'], 12.5);
  assert.ok(Math.abs((v['throughput-3hop'] ?? 0) - 7) < 1e-9);
  assert.ok(Math.abs((v['added-rtt-3hop'] ?? 0) - 0.8) < 1e-9);
  assert.ok(Math.abs((v['idle-rtt-3hop'] ?? 0) - (4 - 0.09)) < 1e-9, 'Skein 1 s apart right after start minus kernel 1 s apart');
  assert.equal(v['first-ping'], 850);
  assert.equal(v['reroute-gap'], 420);
  const verdicts = Object.fromEntries(evaluateTargets(results()).map((t) => [t.id, t.verdict]));
  assert.deepEqual(verdicts, { 'throughput-3hop': 'MISS', 'throughput-1hop': 'PASS', 'added-rtt-3hop': 'PASS', 'idle-rtt-3hop': 'MISS', 'first-ping': 'PASS', 'reroute-gap': 'PASS' });
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
    startup: [{ transport: 'skein', label: 'cold start', from: 'n1', to: 'n4', hops: 3, firstPingMs: null, attempts: 3000, error: 'no reply' }],
    reroute: [{ cut: 'n2-n3', from: 'n1', to: 'n3', hopsBefore: 2, intervalMs: 100, gap: gap(5000, false) }],
    relayFloors: [{ relay: 'c', client: 'node', hops: 3, from: 'n1', to: 'n4', rtts: [], error: 'no round trips' }],
  });
  const verdicts = Object.fromEntries(evaluateTargets(r).map((t) => [t.id, t.verdict]));
  assert.deepEqual(verdicts, { 'throughput-3hop': 'N/A', 'throughput-1hop': 'N/A', 'added-rtt-3hop': 'N/A', 'idle-rtt-3hop': 'N/A', 'first-ping': 'N/A', 'reroute-gap': 'MISS' });
  const oneFailed = results({ reroute: [...results().reroute, { cut: 'x', from: 'n1', to: 'n3', hopsBefore: 0, intervalMs: 100, gap: null, error: 'boom' }] });
  assert.equal(targetValues(oneFailed)['reroute-gap'], null);
  const text = formatReport(r);
  assert.match(text, /first ping n1 → n4 \(3 hops\), skein cold start: not measured \(no reply\)/);
  assert.match(text, /replies never resumed/);
  assert.match(text, /failed/);
  assert.match(text, /C TCP relays n1 → n4 .*: not measured \(no round trips\)/);
});

test('the report: machine line, the line at a glance, each path against the limit, targets with PASS/MISS', () => {
  const text = formatReport(results());
  const lines = text.split('\n');
  assert.match(lines[0] ?? '', /^skein bench, 2026-11-25T22:00:00.000Z \(80 s\): 2 cores \(AMD EPYC\), Linux 6.18.44, Node v20.20.2, load average at start 0.5 0.4 0.3$/);
  assert.match(lines[1] ?? '', /idle pings \(3 warm-up, one interval of silence, then 20 × 0.2 s and 10 × 1 s\)/);
  assert.match(text, /^PATH\s+HOPS\s+MBIT\/S\s+RTT MS AFTER START \(0\.2 S \/ 1 S\)\s+RTT MS AFTER TRANSFER \(0\.2 S \/ 1 S\)\s+FIRST PING/m);
  assert.match(text, /^skein, MTU 64000\s+3\s+700\s+3\.00 \/ 4\.00\s+2\.00 \/ 2\.50\s+850 ms\s+n1 97 · n2 61 · n3 0 · n4 1\s+64 \/ 100 \/ 104$/m);
  assert.match(text, /^skein, MTU 64000\s+1\s+2,500\s+1\.50 \/ 2\.00\s+0\.900 \/ 1\.20\s+-\s+n1 97/m, 'first ping and memory only on the longest path');
  assert.match(text, /^skein, MTU 1400\s+3\s+300\s+-\s+-\s+800 ms\s+n1 97 · n2 61 · n3 0 · n4 1\s+-$/m, 'the restart has its own first ping and no idle pings');
  assert.match(text, /^kernel routing \(limit\)\s+3\s+10,000\s+-\s+0\.080 \/ 0\.090\s+-\s+-\s+-$/m);
  assert.match(text, /^C TCP relays\s+3\s+-\s+0\.340 \/ 0\.400\s+-/m);
  assert.match(text, /^Python TCP relays\s+3\s+-\s+skipped: python3 not installed/m);
  assert.match(text, /^yggdrasil, MTU 53049\s+3\s+350\s+2\.00 \/ 1\.60\s+1\.50 \/ 1\.25\s+100 ms\s+.*8\.0 \/ 16 \/ 20$/m);
  const skein1 = lines.find((l) => /^skein\s+1\s+64000/.test(l));
  assert.ok(skein1, text);
  assert.match(skein1, /2,500\s+12\.5%\s+0\.400\s+0\.350\s+8\.0×\s+n1 97 · n2 61 · n3 0 · n4 1\s+100%/);
  assert.match(text, /^yggdrasil\s+3\s+53049\s+350\s+3\.5%\s+1\.600\s+1\.500\s+16\.0×/m, 'Yggdrasil against the limit too');
  assert.match(text, /^MISS  3-hop TCP throughput, share of kernel routing: 7\.0% \(target ≥ 8%\)$/m);
  assert.match(text, /^MISS  RTT added at 3 hops, pings 1 s apart right after the start: 3\.910 ms \(target < 1 ms\)$/m);
  assert.match(text, /^PASS  ping gap when a ring link is cut \(worst cut\): 420 ms \(target < 500 ms\)$/m);
  assert.match(text, /cut n2-n3 while n1 pings n3 \(2 hops\) every 0.1 s: longest gap between replies 420 ms \(3 lost, longest lost run 3 × 100 ms = 300 ms\)/);
  assert.match(text, /^first ping n1 → n4 \(3 hops\), skein cold start: 850 ms after starting all daemons \(every daemon up at 400 ms, last link up at 612 ms\)$/m);
  assert.match(text, /^first ping n1 → n4 \(3 hops\), yggdrasil start: 100 ms after starting all daemons$/m);
  assert.match(text, /^skein resident memory, MiB \(VmRSS idle \/ under load max, mean of 250 ms samples \/ peak VmHWM\): n1 64 \/ 100, 99 \/ 104 · n2/m);
  assert.match(text, /^yggdrasil 0\.4\.7: static TCP peers over the veth links/m);
  assert.match(text, /^targets:$/m);
});

test('the ratio line against Yggdrasil, and a Yggdrasil that was not installed', () => {
  const line = ratioLine(results());
  assert.equal(line, 'Skein ÷ Yggdrasil (default MTUs): Mbit/s 1 hop 2.50×, 3 hops 2.00×; RTT after start (0.2 s / 1 s) 1 hop 1.50× / 2.50×, 3 hops 1.50× / 2.50×; '
    + 'RTT after transfer (0.2 s / 1 s) 1 hop 1.00× / 1.20×, 3 hops 1.33× / 2.00×; first ping 8.50×; RSS idle 8.00×, load 6.25×, peak 5.20×');
  const skipped = results({ yggdrasil: { measured: false, skipped: 'not installed' }, runs: results().runs.filter((r) => r.transport !== 'yggdrasil'), memory: {} });
  assert.equal(ratioLine(skipped), undefined);
  const md = formatMarkdownLine(skipped);
  assert.ok(md.includes('| yggdrasil | - | skipped: not installed |'), md);
  assert.ok(!md.includes('Skein ÷ Yggdrasil'));
  assert.match(formatReport(skipped), /^yggdrasil: skipped: not installed$/m);
  assert.match(formatReport(skipped), /^resident memory: not measured$/m);
});

test('Markdown: the line at a glance with the ratio line, then each path against the limit, then the targets', () => {
  const md = formatMarkdown(results()).split('\n');
  assert.equal(md[0], '| path | hops | Mbit/s | RTT ms after start (0.2 s / 1 s) | RTT ms after transfer (0.2 s / 1 s) | first ping | CPU % per node | RSS MiB idle / load / peak |');
  assert.match(md[1] ?? '', /^\| --- \|/);
  assert.ok(md.includes('| Node.js TCP relays | 3 | - | 1.00 / 1.25 | - | - | - | - |'));
  assert.ok(md.some((l) => l.startsWith('Skein ÷ Yggdrasil (default MTUs): Mbit/s 1 hop 2.50×') && l.endsWith('.')));
  assert.ok(md.includes('| path | hops | mtu | Mbit/s | of limit | rtt ms | added rtt ms | rtt × limit | cpu % per node | machine busy |'));
  assert.equal(md.filter((l) => l.startsWith('| skein |')).length, 3);
  assert.ok(md.includes('| 1-hop TCP throughput, share of kernel routing | 12.5% | ≥ 10% | PASS |'));
});

test('number formats', () => {
  assert.equal(formatMbps(12345.6), '12,346');
  assert.equal(formatMbps(56.54), '56.5');
  assert.equal(formatCpu({}), '-');
  assert.equal(formatCpu({ n1: 99.5, n2: 0.2 }), 'n1 100 · n2 0');
  assert.equal(formatRatio(13.14), '13.1×');
  assert.equal(formatRatio(0.456), '0.46×');
  assert.equal(formatRatio(null), '-');
});

test('the relay floors: summarised like ping, each with its echo and client; the Node.js one with what Skein adds over it', () => {
  const s = summarizeRtts([1, 2, 3]);
  assert.deepEqual([s.transmitted, s.received, s.minMs, s.avgMs, s.maxMs], [3, 3, 1, 2, 3]);
  assert.ok(Math.abs(s.mdevMs - Math.sqrt(2 / 3)) < 1e-9);
  const text = formatReport(results());
  const node = text.split('\n').find((l) => l.startsWith('Node.js TCP relays n1 → n4 (3 hops'));
  assert.ok(node, text);
  assert.match(node, /Node\.js echo, C client\): 20 × 0\.2 s avg 1\.000 ms \(min 1\.000, max 1\.000\); 10 × 1 s avg 1\.250 ms .*; Skein right after its start is 2\.000 \/ 2\.750 ms above it$/);
  assert.match(text, /^C TCP relays n1 → n4 \(3 hops, no crypto, no TUN; C echo, C client\): 20 × 0\.2 s avg 0\.340 ms/m);
  assert.match(text, /^Python TCP relays n1 → n4 .*: skipped \(python3 not installed\)$/m);
});
