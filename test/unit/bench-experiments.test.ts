/**
 * The latency experiments without root: the variant table as the lab's
 * spawn arguments, the CPU accounting on /proc texts, what a daemon's /proc
 * says was applied, the ratios to the baseline, and the rendered tables.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appliedProblems, cpusAllowed, nulFields } from '../../src/bench/experiments/applied.js';
import { DaemonCpuWindow, meanOver, microsPerPing, percentOfCore, relaysAndEnds, schedstatRuntimeNs } from '../../src/bench/experiments/cpu.js';
import { cpuNumbers } from '../../src/bench/experiments/preflight.js';
import { formatExperimentsFull, formatExperimentsTable, ratioText, rttText, runLabels } from '../../src/bench/experiments/report.js';
import { EXPERIMENTS_VERSION, idleStats, median, memoryFigures, withRatios, type ExperimentsFile, type VariantRun } from '../../src/bench/experiments/results.js';
import { affinityOf, BASELINE, flagsKey, launchOf, runOrder, VARIANTS, type Variant } from '../../src/bench/experiments/variants.js';
import { daemonArgv } from '../../src/lab/mesh.js';
import { DAEMON_NODE_FLAGS } from '../../src/node/node-flags.js';
import { renderExperiments, renderExperimentsFull, updateDocument } from '../../scripts/results-render.js';

const NODES = ['n1', 'n2', 'n3', 'n4'];
const CLI = ['/usr/bin/node', '/opt/skein/bin/skein.js'];
const variant = (name: string): Variant => VARIANTS.find((v) => v.name === name)!;

test('the variant table: unique names, a reason each, the baseline changes nothing', () => {
  const names = VARIANTS.map((v) => v.name);
  assert.equal(new Set(names).size, names.length);
  assert.ok(VARIANTS.every((v) => v.why.length > 10 && !v.why.includes('\n')));
  assert.deepEqual(launchOf(variant(BASELINE), NODES), { nodeFlags: [], env: { n1: {}, n2: {}, n3: {}, n4: {} }, wrapper: {} });
  for (const v of VARIANTS.filter((x) => x.name !== BASELINE)) {
    assert.ok((v.nodeFlags?.length ?? 0) + Object.keys(v.env ?? {}).length + (v.affinity?.length ?? 0) > 0, `${v.name} changes something`);
  }
});

test('a flag variant goes on node\'s command line after the daemon\'s own flags, before the CLI', () => {
  const launch = launchOf(variant('single-threaded-gc'), NODES);
  assert.deepEqual(daemonArgv('n2', '/lab/n2/skein.toml', launch, CLI), ['/usr/bin/node', ...DAEMON_NODE_FLAGS, '--single-threaded-gc', '/opt/skein/bin/skein.js', 'up', '--config', '/lab/n2/skein.toml']);
  assert.deepEqual(daemonArgv('n1', '/c.toml', {}, CLI), ['/usr/bin/node', ...DAEMON_NODE_FLAGS, '/opt/skein/bin/skein.js', 'up', '--config', '/c.toml'], 'no options: the plain daemon');
});

test('an environment variant reaches every daemon, on top of the run\'s common environment', () => {
  const launch = launchOf(variant('io-uring-on'), NODES, { SKEIN_CACHE_DIR: '/lab/cache' });
  for (const n of NODES) assert.deepEqual(launch.env[n], { SKEIN_CACHE_DIR: '/lab/cache', UV_USE_IO_URING: '1' });
  assert.deepEqual(launch.nodeFlags, []);
  assert.deepEqual(launch.wrapper, {});
});

test('affinity: taskset wraps node, all on CPU 0 or alternating along the line', () => {
  const all = launchOf(variant('pin-cpu0'), NODES);
  assert.deepEqual(daemonArgv('n3', '/c.toml', all, CLI).slice(0, 4), ['taskset', '-c', '0', '/usr/bin/node']);
  const alt = launchOf(variant('pin-alternate'), NODES);
  assert.deepEqual(NODES.map((n) => alt.wrapper[n]?.[2]), ['0', '1', '0', '1']);
  assert.deepEqual(affinityOf(variant('pin-alternate'), NODES), { n1: '0', n2: '1', n3: '0', n4: '1' });
  assert.equal(affinityOf(variant('maglev'), NODES), null);
});

test('run order: the baseline first and last, the chosen others between in table order; unknown names refused', () => {
  const all = runOrder();
  assert.equal(all.length, VARIANTS.length + 1);
  assert.equal(all[0]?.name, BASELINE);
  assert.equal(all.at(-1)?.name, BASELINE);
  assert.deepEqual(runOrder(['pin-cpu0', 'maglev']).map((v) => v.name), [BASELINE, 'maglev', 'pin-cpu0', BASELINE]);
  assert.deepEqual(runOrder([BASELINE]).map((v) => v.name), [BASELINE, BASELINE]);
  assert.throws(() => runOrder(['maglev', 'turbo']), /unknown variant turbo/);
});

test('variants with the same node flags share a code cache; environment and affinity do not change it', () => {
  assert.equal(flagsKey(variant(BASELINE)), flagsKey(variant('pin-cpu0')));
  assert.equal(flagsKey(variant(BASELINE)), flagsKey(variant('threadpool-1')));
  assert.notEqual(flagsKey(variant(BASELINE)), flagsKey(variant('maglev')));
});

test('taskset CPU lists', () => {
  assert.deepEqual(cpuNumbers('0'), [0]);
  assert.deepEqual(cpuNumbers('1,3'), [1, 3]);
  assert.deepEqual(cpuNumbers('0-2'), [0, 1, 2]);
  assert.ok(cpuNumbers('x').some(Number.isNaN));
});

/** A /proc/PID/stat line with the given utime and stime (fields 14, 15); the name holds ") (" on purpose. */
const statLine = (pid: number, utime: number, stime: number) =>
  `${pid} (node ) (x) S 1 ${pid} ${pid} 0 -1 4194560 1000 0 0 0 ${utime} ${stime} 0 0 20 0 11 0 100 1000000 5000 18446744073709551615\n`;
const procStat = (busy: number, idle: number) => `cpu  ${busy} 0 0 ${idle} 0 0 0 0 0 0\ncpu0 1 0 0 1 0 0 0 0 0 0\n`;

test('CPU accounting: ticks and thread nanoseconds per daemon over the window, µs per ping, % of a core, the machine\'s busy share', () => {
  let now = 1000;
  const tasks: Record<string, string[]> = { '/proc/11/task': ['11', '15'], '/proc/12/task': ['12'] };
  let texts: Record<string, string> = {
    '/proc/stat': procStat(100, 900), '/proc/11/stat': statLine(11, 50, 10), '/proc/12/stat': statLine(12, 7, 3),
    '/proc/11/task/11/schedstat': '5000000 10 3\n', '/proc/11/task/15/schedstat': '1000000 0 1\n',
  };
  const w = new DaemonCpuWindow({ n1: 11, n2: 12, n3: 13 }, (p) => texts[p] ?? '', () => now, (p) => tasks[p] ?? []);
  w.start();
  now += 2000;
  tasks['/proc/11/task'] = ['11', '16'];
  texts = {
    '/proc/stat': procStat(150, 1050), '/proc/11/stat': statLine(11, 60, 12), '/proc/12/stat': statLine(12, 8, 3),
    '/proc/11/task/11/schedstat': '95000000 10 9\n', '/proc/11/task/16/schedstat': '31000000 0 2\n',
  };
  w.stop();
  const span = w.result();
  assert.deepEqual(span.ticks, { n1: 12, n2: 1 }, 'n3 could not be read: left out, not counted as zero');
  // thread 11: 90 ms; thread 16 started within the window: all of its 31 ms; thread 15 ended: missed
  assert.deepEqual(span.runtimeNs, { n1: 121_000_000 }, 'n2 has no schedstat: no nanoseconds');
  assert.equal(span.seconds, 2);
  assert.equal(span.machineBusyPercent, 25);
  // n1 from its nanoseconds (121 ms), n2 from its ticks (1 tick at 100 Hz = 10 ms), over 31 pings
  assert.deepEqual(microsPerPing(span, 100, 31), { n1: 121_000 / 31, n2: 10_000 / 31 });
  assert.deepEqual(percentOfCore(span, 100), { n1: 6.05, n2: 0.5 });
  assert.deepEqual(microsPerPing(span, 100, 0), {});
  assert.equal(schedstatRuntimeNs('123 4 5'), 123);
  assert.equal(schedstatRuntimeNs(''), undefined);
  assert.deepEqual(relaysAndEnds(NODES), { relays: ['n2', 'n3'], ends: ['n1', 'n4'] });
  assert.equal(meanOver({ n1: 2, n2: 4, n4: 6 }, ['n1', 'n4']), 4);
  assert.equal(meanOver({ n1: 2 }, ['n2', 'n3']), null);
});

test('what /proc says was applied: flags, environment, CPUs', () => {
  const proc = {
    cmdline: ['/usr/bin/node', '--expose-gc', '--maglev', 'skein.js', 'up'].join('\0') + '\0',
    environ: ['PATH=/bin', 'UV_USE_IO_URING=1'].join('\0') + '\0',
    status: 'Name:\tnode\nCpus_allowed:\t1\nCpus_allowed_list:\t0\n',
  };
  assert.deepEqual(nulFields(proc.cmdline).slice(0, 2), ['/usr/bin/node', '--expose-gc']);
  assert.equal(cpusAllowed(proc.status), '0');
  assert.deepEqual(appliedProblems({ nodeFlags: ['--maglev'], env: { UV_USE_IO_URING: '1' }, cpus: '0' }, proc), []);
  assert.deepEqual(appliedProblems({ nodeFlags: ['--no-lazy'], env: { UV_THREADPOOL_SIZE: '1' }, cpus: '1' }, proc), [
    'node flag --no-lazy missing from its command line',
    'UV_THREADPOOL_SIZE=1 missing from its environment',
    'may run on CPUs 0, not 1',
  ]);
  assert.deepEqual(appliedProblems({ nodeFlags: [], env: {} }, { cmdline: '', environ: '', status: '' }), ['its /proc entry could not be read']);
});

test('idle statistics: median and mean of the replies; the summary when no replies were kept', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([]), null);
  const kept = idleStats({ phase: 'after start', intervalMs: 200, count: 4, rtt: null, rttsMs: [1, 9, 2, 4] });
  assert.deepEqual(kept, { intervalMs: 200, count: 4, received: 4, medianMs: 3, meanMs: 4, maxMs: 9 });
  const summary = idleStats({ phase: 'after start', intervalMs: 1000, count: 8, rtt: { transmitted: 8, received: 7, minMs: 1, avgMs: 2.5, maxMs: 4, mdevMs: 1 } });
  assert.deepEqual(summary, { intervalMs: 1000, count: 8, received: 7, medianMs: null, meanMs: 2.5, maxMs: 4 });
  const failed = idleStats({ phase: 'after start', intervalMs: 1000, count: 8, rtt: null, error: 'no reply' });
  assert.equal(failed.error, 'no reply');
  assert.equal(failed.meanMs, null);
});

function vrun(name: string, rtt200: number | null, mbps: number | null, relaysUs: number, relaysPercent: number, peakKiB = 80 * 1024): VariantRun {
  return {
    name, why: `why ${name}`, applied: { nodeFlags: name === 'maglev' ? ['--maglev'] : [], env: {}, affinity: name === 'pin-cpu0' ? { n1: '0', n2: '0', n3: '0', n4: '0' } : null },
    firstPingMs: 900,
    idle: [
      { intervalMs: 200, count: 20, received: 20, medianMs: rtt200, meanMs: rtt200 === null ? null : rtt200 + 1, maxMs: 10 },
      { intervalMs: 1000, count: 8, received: 8, medianMs: 3, meanMs: 3.5, maxMs: 5 },
    ],
    mbps, retransmits: 0,
    cpuIdle: { perNode: {}, relays: relaysUs, ends: 100, ticks: {}, runtimeNs: {}, pings: 31, seconds: 14 },
    cpuIperf: { perNode: {}, relays: relaysPercent, ends: 40, ticks: {}, runtimeNs: {}, seconds: 4, machineBusyPercent: 90 },
    memory: memoryFigures({ n1: 60 * 1024, n2: 64 * 1024 }, { n1: peakKiB, n2: peakKiB + 2 * 1024 }),
    errors: [],
  };
}

test('ratios: to the mean of the baseline runs, metric by metric; missing figures give null', () => {
  const runs = withRatios([vrun(BASELINE, 4, 1000, 200, 30), vrun('maglev', 3, 1500, 300, 45), vrun('pin-cpu0', null, null, 100, 30), vrun(BASELINE, 6, 1000, 200, 30)], [200, 1000]);
  const [first, maglev, pinned, last] = runs;
  assert.deepEqual(first?.ratios.rtt[0], { intervalMs: 200, median: 0.8, mean: 5 / 6 });
  assert.equal(last?.ratios.rtt[0]?.median, 1.2, 'the two baseline runs straddle 1: the noise');
  assert.equal(maglev?.ratios.rtt[0]?.median, 0.6);
  assert.equal(maglev?.ratios.mbps, 1.5);
  assert.equal(maglev?.ratios.cpuIdleRelays, 1.5);
  assert.equal(maglev?.ratios.cpuIperfRelays, 1.5);
  assert.equal(maglev?.ratios.cpuIdleEnds, 1);
  assert.equal(pinned?.ratios.rtt[0]?.median, null);
  assert.equal(pinned?.ratios.mbps, null);
  assert.equal(pinned?.ratios.cpuIdleRelays, 0.5);
  const lighter = withRatios([vrun(BASELINE, 4, 1000, 200, 30), vrun('arena-max-1', 4, 1000, 200, 30, 70 * 1024)], [200]);
  assert.deepEqual(lighter[1]?.memory?.idleMiB, { n1: 60, n2: 64 }, 'KiB readings become MiB per daemon');
  assert.equal(lighter[1]?.memory?.peakMean, 71);
  assert.equal(lighter[1]?.ratios.rssPeak, 71 / 81);
  assert.equal(lighter[1]?.ratios.rssIdle, 1);
  const noBaseline = withRatios([vrun('maglev', 3, 1500, 300, 45)], [200]);
  assert.equal(noBaseline[0]?.ratios.mbps, null, 'no baseline measured: no ratios, not a division by zero');
});

function file(): ExperimentsFile {
  return {
    version: EXPERIMENTS_VERSION, date: '2026-12-02T14:30:00.000Z', durationMs: 540_000,
    machine: { nproc: 2, cpuModel: 'AMD EPYC', kernel: '6.18.44', node: 'v20.20.2', loadAverage: [1, 0.5, 0.25] },
    settings: { lineNodes: 4, hops: 3, mtu: 64000, warmupPings: 3, idlePings: [{ intervalMs: 200, count: 20 }, { intervalMs: 1000, count: 8 }], iperfSeconds: 3, iperfOmitSeconds: 1, ticksPerSecond: 100, codeCachePrimed: true },
    runs: withRatios([vrun(BASELINE, 4, 1000, 200, 30), vrun('maglev', 3, 1500, 300, 45), vrun('pin-cpu0', null, null, 100, 30), vrun(BASELINE, 6, 1000, 200, 30)], [200, 1000]),
    errors: ['one lab-level error'],
  };
}

test('rendering: the README table with ratios, the full one with how and why; the same JSON gives the same bytes', () => {
  assert.equal(rttText(0.4567), '0.457');
  assert.equal(rttText(12.345), '12.3');
  assert.equal(rttText(null), '-');
  assert.equal(ratioText(1.234), '1.23×');
  assert.deepEqual(runLabels(file().runs), ['baseline', 'maglev', 'pin-cpu0', 'baseline, again']);
  const table = formatExperimentsTable(file());
  assert.match(table, /^\| variant \| RTT ms, 0\.2 s \(median\) \| RTT ms, 1 s \(median\) \| Mbit\/s \|/);
  assert.match(table, /^\| maglev \| 3\.00 \(0\.60×\) \| 3\.00 \(1\.00×\) \| 1,500 \(1\.50×\) \| 300 \(1\.50×\) \| 45 \(1\.50×\) \| 81\.0 \(1\.00×\) \|$/m);
  assert.match(table, /^\| pin-cpu0 \| - \| 3\.00 \(1\.00×\) \| - \| 100 \(0\.50×\) \|/m);
  assert.match(table, /^\| baseline, again \| 6\.00 \(1\.20×\) \|/m);
  const readme = renderExperiments(file());
  assert.match(readme, /^Measured 2026-12-02T14:30:00\.000Z \(one run, 540 s\): 2 cores \(AMD EPYC\), Linux 6\.18\.44, Node v20\.20\.2/);
  assert.ok(readme.endsWith(table));
  const full = renderExperimentsFull(file());
  assert.equal(full, formatExperimentsFull(file()));
  assert.match(full, /^\| maglev \| 900 \| 3\.00 \/ 4\.00 \(0\.60× \/ 0\.67×\) \|/m);
  assert.match(full, /^- \*\*maglev\*\*: `--maglev`\. why maglev\.$/m);
  assert.match(full, /^- \*\*pin-cpu0\*\*: `taskset -c` n1:0 n2:0 n3:0 n4:0\./m);
  assert.equal(full.match(/^- \*\*baseline\*\*/gm)?.length, 1, 'a variant run twice is explained once');
  assert.match(full, /^- one lab-level error$/m);
  const doc = 'a\n<!-- results:experiments -->\nold\n<!-- /results:experiments -->\nb\n';
  const once = updateDocument(doc, { experiments: readme });
  assert.equal(updateDocument(once, { experiments: renderExperiments(file()) }), once);
  assert.ok(once.startsWith('a\n<!-- results:experiments -->\nMeasured'));
});
