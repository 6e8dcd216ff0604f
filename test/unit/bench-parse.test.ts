import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIperfJson } from '../../src/bench/iperf-output.js';
import { parsePingReplies, parsePingSummary } from '../../src/bench/ping-output.js';
import { busyPercent, cpuTotals, processCpuTicks, statusKiB } from '../../src/bench/proc-text.js';
import { cpuModel } from '../../src/util/machine.js';
import { logTimes, startupBreakdown } from '../../src/bench/startup-log.js';
import { parseClientOutput } from '../../src/bench/relay-floor.js';
import { parsePidList } from '../../src/bench/quiet-line.js';
import { allOf, daemonMemory, RssSampler, statusOf } from '../../src/bench/daemon-stats.js';
import { ErrorCodes, isSkeinError } from '../../src/util/errors.js';

const PING_D = `PING fd12:3456:789a:1:2:3:4:5(fd12:3456:789a:1:2:3:4:5) 56 data bytes
[1795644199.777065] 64 bytes from fd12:3456:789a:1:2:3:4:5: icmp_seq=1 ttl=64 time=0.052 ms
[1795644199.829974] 64 bytes from fd12:3456:789a:1:2:3:4:5: icmp_seq=2 ttl=64 time=0.044 ms
[1795644199.900000] no answer yet for icmp_seq=3
[1795644199.901000] From fd12:3456:789a:1:2:3:4:5 icmp_seq=3 Destination unreachable: No route
[1795644199.986004] 64 bytes from fd12:3456:789a:1:2:3:4:5: icmp_seq=2 ttl=64 time=0.047 ms (DUP!)

--- fd12:3456:789a:1:2:3:4:5 ping statistics ---
3 packets transmitted, 2 received, +1 duplicates, 33.3333% packet loss, time 109ms
rtt min/avg/max/mdev = 0.044/0.047/0.052/0.003 ms
`;

test('ping summary: counts and rtt min/avg/max/mdev; nothing back → undefined', () => {
  assert.deepEqual(parsePingSummary(PING_D), { transmitted: 3, received: 2, minMs: 0.044, avgMs: 0.047, maxMs: 0.052, mdevMs: 0.003 });
  const lost = '--- fdbe::1 ping statistics ---\n1 packets transmitted, 0 received, 100% packet loss, time 0ms\n';
  assert.equal(parsePingSummary(lost), undefined);
  assert.equal(parsePingSummary('connect: Network is unreachable\n'), undefined);
  const older = '5 packets transmitted, 5 packets received, 0% packet loss\nround-trip min/avg/max/stddev = 1.000/2.000/3.000/0.500 ms';
  assert.equal(parsePingSummary(older)?.avgMs, 2);
});

test('ping -D replies: timestamps in ms, sequence and rtt; "no answer", errors and the header are not replies', () => {
  const replies = parsePingReplies(PING_D);
  assert.deepEqual(replies.map((r) => r.seq), [1, 2, 2]);
  assert.ok(Math.abs((replies[0]?.atMs ?? 0) - 1795644199777.065) < 0.01);
  assert.equal(replies[1]?.rttMs, 0.044);
  assert.deepEqual(parsePingReplies('64 bytes from ::1: icmp_seq=1 ttl=64 time=0.052 ms'), [], 'without -D there is no timestamp');
});

test('iperf3 -J: receiver throughput in Mbit/s and retransmits; errors and garbage are reported', () => {
  const ok = JSON.stringify({ start: {}, intervals: [], end: { sum_sent: { bits_per_second: 2.1e9, retransmits: 17 }, sum_received: { bits_per_second: 2e9 } } });
  assert.deepEqual(parseIperfJson(ok), { ok: true, result: { mbps: 2000, retransmits: 17 } });
  const refused = '{ "start": {}, "intervals": [], "end": {}, "error": "unable to connect to server: Connection refused" }';
  assert.deepEqual(parseIperfJson(refused), { ok: false, error: 'iperf3: unable to connect to server: Connection refused' });
  assert.equal(parseIperfJson('').ok, false);
  const garbage = parseIperfJson('iperf3: error - something\nmore');
  assert.ok(!garbage.ok && /no JSON: iperf3: error - something$/.test(garbage.error));
  assert.ok(!parseIperfJson('{"end":{}}').ok);
  assert.deepEqual(parseIperfJson(JSON.stringify({ end: { sum_received: { bits_per_second: 1e6 } } })), { ok: true, result: { mbps: 1, retransmits: null } });
});

test('/proc/PID/stat: utime + stime counted after the last ")", even when the name has spaces and parentheses', () => {
  const fields = (name: string) => `1234 (${name}) S 1 1234 1234 0 -1 4194560 500 0 0 0 250 75 0 0 20 0 11 0 100 0 0`;
  assert.equal(processCpuTicks(fields('node')), 325);
  assert.equal(processCpuTicks(fields('we ird) (name')), 325);
  assert.equal(processCpuTicks('garbage'), undefined);
  assert.equal(processCpuTicks('1 (x) S 1'), undefined);
});

test('/proc texts: VmRSS/VmHWM in KiB, machine busy share, CPU model', () => {
  const status = 'Name:\tnode\nVmHWM:\t  131072 kB\nVmRSS:\t  120000 kB\n';
  assert.equal(statusKiB(status, 'VmRSS'), 120000);
  assert.equal(statusKiB(status, 'VmHWM'), 131072);
  assert.equal(statusKiB(status, 'VmSwap'), undefined);
  const before = cpuTotals('cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 2 3 4 5 6 7 8\n');
  const after = cpuTotals('cpu  250 0 150 750 100 0 0 0 0 0\n');
  assert.deepEqual(before, { busy: 200, total: 1000 });
  assert.ok(before && after);
  assert.equal(busyPercent(before, after), 80); // 200 busy of 250 jiffies
  assert.equal(busyPercent(before, before), 0);
  assert.equal(cpuTotals('intr 1 2 3'), undefined);
  assert.equal(cpuModel('processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t: fpu\n'), 'AMD EPYC 7B13');
  assert.equal(cpuModel('processor\t: 0\n'), undefined);
});

test('daemon logs: "node up" and "link up" times after the start give the startup breakdown', () => {
  const t = (ms: number) => new Date(1_795_644_000_000 + ms).toISOString();
  const line = (ms: number, msg: string) => JSON.stringify({ level: 30, time: t(ms), node: 'n1', msg });
  const n1 = [line(-5000, 'node up'), line(-4000, 'link up'), line(900, 'TUN data plane up'), line(1000, 'node up'), line(1200, 'link up'), 'not json', line(9000, 'link up')].join('\n');
  const n2 = [line(1100, 'node up'), line(1250, 'link up'), JSON.stringify({ time: 1_795_644_001_300, msg: 'link up' })].join('\n');
  const start = 1_795_644_000_000;
  assert.deepEqual(logTimes(n1, 'link up', start), [start + 1200, start + 9000]);
  assert.deepEqual(startupBreakdown([n1, n2], start, start + 2000), { daemonsUpMs: 1100, linksUpMs: 1300 });
  assert.deepEqual(startupBreakdown([n1, ''], start, start + 2000), { daemonsUpMs: null, linksUpMs: 1200 });
  assert.deepEqual(startupBreakdown([], start, start), { daemonsUpMs: null, linksUpMs: null });
});

test('relay floor client output: one array of round trips per phase, exactly as many as asked', () => {
  const specs = [{ intervalMs: 200, count: 2 }, { intervalMs: 1000, count: 1 }];
  assert.deepEqual(parseClientOutput('[[0.341,0.298],[0.4]]\n', specs), [[0.341, 0.298], [0.4]]);
  const bad = (text: string) => assert.throws(() => parseClientOutput(text, specs), (e: unknown) => isSkeinError(e, ErrorCodes.LAB), text);
  bad('');
  bad('connect: Connection refused');
  bad('[[0.3,0.2]]');
  bad('[[0.3],[0.4]]');
  bad('[[0.3,"x"],[0.4]]');
  bad('[[0.3,-1],[0.4]]');
  bad('{"a":1}');
});

test('ip netns pids: one pid a line, nothing else', () => {
  assert.deepEqual(parsePidList('1234\n567\n'), [1234, 567]);
  assert.deepEqual(parsePidList(''), []);
  assert.deepEqual(parsePidList('  89 \nwarning\n'), [89]);
});

test('memory: VmRSS samples over a window (this process), one record per node from the three readings', async () => {
  const sampler = new RssSampler({ self: process.pid, gone: 2 ** 22 + 1 }, 10);
  sampler.start();
  await new Promise((r) => setTimeout(r, 50));
  sampler.stop();
  const s = sampler.summary();
  assert.ok((s.self?.samples ?? 0) >= 2 && (s.self?.maxKiB ?? 0) >= (s.self?.meanKiB ?? Infinity));
  assert.equal(s.gone, undefined, 'a pid without a process has no samples');
  assert.ok((statusOf({ self: process.pid }, 'VmHWM').self ?? 0) > 0);
  const order: string[] = [];
  const w = (name: string) => ({ start: () => order.push(`start ${name}`), stop: () => order.push(`stop ${name}`) });
  const both = allOf(w('cpu'), w('rss'));
  both.start();
  both.stop();
  assert.deepEqual(order, ['start cpu', 'start rss', 'stop rss', 'stop cpu']);
  assert.deepEqual(daemonMemory(['n1', 'n2'], { n1: 100 }, { n1: { maxKiB: 300, meanKiB: 200, samples: 4 } }, { n1: 310, n2: 50 }), {
    n1: { idleKiB: 100, loadMaxKiB: 300, loadMeanKiB: 200, loadSamples: 4, peakKiB: 310 },
    n2: { idleKiB: null, loadMaxKiB: null, loadMeanKiB: null, loadSamples: 0, peakKiB: 50 },
  });
});
