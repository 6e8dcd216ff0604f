/**
 * Routing, forwarding and end-to-end sessions on a real network (issues 5
 * and 6): skein daemons in lab namespaces learn every member through the
 * mesh, route around failures, and carry encrypted echo traffic over several
 * hops that relays can neither read, alter nor replay.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminCall } from '../../src/control/client.js';
import { initMesh, meshEnv, nodeConfigPath, startDaemons, waitForDaemons, type Lab } from '../../src/lab/index.js';
import { DAEMON_NODE_FLAGS } from '../../src/node/node-flags.js';
import { withLab } from '../helpers/lab.js';
import { waitFor } from '../helpers/wait.js';
import type { MemberInfo } from '../../src/control/protocol.js';

const TUNING = { discoveryIntervalMs: 1000, keepaliveMs: 300, deadAfterMs: 1500 };
const CONVERGE_MS = 20_000;
const TAMPERING_RELAY = join(import.meta.dirname, 'fixtures', 'tampering-relay.ts');

const socketOf = (lab: Lab, node: string) => join(lab.nodeDir(node), 'skein.sock');
const members = async (lab: Lab, node: string) => (await adminCall(socketOf(lab, node), 'nodes')) as MemberInfo[];
type Counters = { sessions: { drops: Record<string, number>; delivered: number } };
const counters = async (lab: Lab, node: string) => ((await adminCall(socketOf(lab, node), 'status')) as { counters: Counters }).counters;

async function startMesh(lab: Lab): Promise<void> {
  initMesh(lab, { tuning: TUNING });
  startDaemons(lab, lab.nodes);
  await waitForDaemons(lab);
}

async function converged(lab: Lab, expectHops: (from: string, to: string) => number): Promise<void> {
  await waitFor(async () => {
    for (const n of lab.nodes) {
      const list = await members(lab, n);
      if (list.length !== lab.nodes.length) return false;
      for (const m of list) if (m.hops !== expectHops(n, m.name)) return false;
    }
    return true;
  }, { timeoutMs: CONVERGE_MS, what: 'every node to list every member with the expected hop count' });
}

const index = (n: string) => Number(n.slice(1));

async function skein(lab: Lab, node: string, args: string[], timeoutMs = 30_000) {
  return lab.exec(node, ['skein', ...args], { env: meshEnv(lab, node), timeoutMs });
}

test('6-node line: every node lists all 6 members with the right hop counts; 4-hop ping and trace', async () => {
  await withLab({ nodes: 6, topology: 'line' }, async (lab) => {
    const started = Date.now();
    await startMesh(lab);
    await converged(lab, (a, b) => Math.abs(index(a) - index(b)));
    process.stdout.write(`# 6-node line converged ${Date.now() - started} ms after start\n`);
    const r = await skein(lab, 'n1', ['nodes', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const list = JSON.parse(r.stdout) as MemberInfo[];
    assert.deepEqual(list.map((m) => [m.name, m.hops]), [['n1', 0], ['n2', 1], ['n3', 2], ['n4', 3], ['n5', 4], ['n6', 5]]);
    assert.ok(list.every((m) => typeof m.id === 'string' && 'nextHop' in m));
    const trace = await skein(lab, 'n1', ['trace', 'n5', '--json']);
    assert.equal(trace.code, 0, trace.stderr);
    const hops = (JSON.parse(trace.stdout) as { hops: Array<{ name: string; reached: boolean }> }).hops;
    assert.deepEqual(hops.map((h) => h.name), ['n2', 'n3', 'n4', 'n5']);
    assert.equal(hops.at(-1)?.reached, true);
  });
});

test('4-node line: skein ping across 3 hops; the middle link carries no plaintext', async () => {
  await withLab({ nodes: 4, topology: 'line' }, async (lab) => {
    await startMesh(lab);
    await converged(lab, (a, b) => Math.abs(index(a) - index(b)));
    const marker = 'SKEIN-PLAINTEXT-MARKER';
    // Capture on n2's side of the n2—n3 link while pinging with the marker as padding.
    const pcap = join(lab.dir, 'middle.pcap');
    const dump = lab.spawnIn('n2', ['tcpdump', '-i', `${lab.name}-n3`, '-U', '-w', pcap, 'tcp'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 1000));
    const ping = await skein(lab, 'n1', ['ping', 'n4', '-c', '5', '-i', '0.2', '-s', '512', '-p', marker, '--json']);
    dump.kill('SIGTERM');
    await new Promise((r) => dump.once('exit', r));
    assert.equal(ping.code, 0, ping.stderr);
    const out = JSON.parse(ping.stdout) as { replies: Array<{ hops: number }>; summary: { received: number; lossPercent: number } };
    assert.equal(out.summary.received, 5);
    assert.ok(out.replies.every((r) => r.hops === 3), `hops: ${JSON.stringify(out.replies)}`);
    const captured = readFileSync(pcap);
    assert.ok(captured.byteLength > 5 * 512, `captured ${captured.byteLength} bytes on the middle link`);
    assert.equal(captured.indexOf(Buffer.from(marker)), -1, 'the payload marker never appears on the middle link');
    assert.equal(captured.indexOf(Buffer.from(marker.slice(0, 8))), -1);
  });
});

test('a hostile relay: flipped bytes are refused as authentication failures, duplicated packets as replays', async () => {
  for (const mode of ['flip', 'duplicate'] as const) {
    await withLab({ nodes: 3, topology: 'line' }, async (lab, t) => {
      // n2 is a real daemon whose links are a tampering double (fixtures/tampering-relay.ts).
      initMesh(lab, { tuning: TUNING });
      startDaemons(lab, ['n1', 'n3']);
      t.start('n2', [process.execPath, ...DAEMON_NODE_FLAGS, '--import', import.meta.resolve('tsx'), TAMPERING_RELAY, nodeConfigPath(lab, 'n2'), mode], {
        label: `n2 (tampering relay: ${mode})`, cwd: lab.nodeDir('n2'),
      });
      await waitForDaemons(lab);
      await converged(lab, (a, b) => Math.abs(index(a) - index(b)));
      const before = await counters(lab, 'n3');
      const ping = await skein(lab, 'n1', ['ping', 'n3', '-c', '5', '-i', '0.1', '-W', '1', '--json']);
      const out = JSON.parse(ping.stdout) as { summary: { received: number } };
      const after = await counters(lab, 'n3');
      const delta = (k: string) => (after.sessions.drops[k] ?? 0) - (before.sessions.drops[k] ?? 0);
      if (mode === 'flip') {
        assert.equal(out.summary.received, 0, 'no tampered echo request is answered');
        assert.ok(delta('auth-failed') >= 5, `auth failures counted at n3: ${delta('auth-failed')}`);
      } else {
        assert.equal(out.summary.received, 5, 'the original copies get through');
        assert.ok(delta('replay') >= 5, `replays counted at n3: ${delta('replay')}`);
      }
      process.stdout.write(`# relay ${mode}: n3 counted auth-failed +${delta('auth-failed')}, replay +${delta('replay')}\n`);
    });
  }
});

test('ring of 6: cut a link, routes move the other way round and pings resume; the gap is reported', async () => {
  await withLab({ nodes: 6, topology: 'ring' }, async (lab) => {
    await startMesh(lab);
    const ringHops = (a: string, b: string) => { const d = Math.abs(index(a) - index(b)); return Math.min(d, 6 - d); };
    await converged(lab, ringHops);
    const before = (await members(lab, 'n1')).find((m) => m.name === 'n3');
    assert.equal(before?.hops, 2);
    assert.equal(before?.nextHopName, 'n2');

    // A continuous ping (every 0.1 s) from n1 to n3; once replies flow, cut the n1—n2 link.
    const warm = await skein(lab, 'n1', ['ping', 'n3', '-c', '1']);
    assert.equal(warm.code, 0, warm.stderr);
    const child = spawn('ip', ['netns', 'exec', lab.namespace('n1'), 'skein', 'ping', 'n3', '-c', '80', '-i', '0.1', '-W', '1'], { env: meshEnv(lab, 'n1') });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    const done = new Promise((r) => child.once('exit', r));
    await waitFor(() => (stdout.match(/^reply from/gm) ?? []).length >= 10, { timeoutMs: 15_000, what: '10 replies before the cut' });
    await lab.cut('n1', 'n2');
    await done;
    const replies = [...stdout.matchAll(/^reply from n3: seq=(\d+) hops=(\d+)/gm)].map((m) => ({ seq: Number(m[1]), hops: Number(m[2]) }));
    const transmitted = 80;
    const seqs = new Set(replies.map((r) => r.seq));
    let longest = 0;
    let run = 0;
    for (let s = 0; s < transmitted; s++) { run = seqs.has(s) ? 0 : run + 1; longest = Math.max(longest, run); }
    process.stdout.write(`# ring reroute: ${transmitted - replies.length} of ${transmitted} pings lost, longest gap ${longest * 100} ms\n`);
    assert.ok(replies.some((r) => r.hops === 2), 'replies over the 2-hop path before the cut');
    assert.ok(replies.some((r) => r.hops === 4), 'and over the 4-hop path after it');
    const after = (await members(lab, 'n1')).find((m) => m.name === 'n3');
    assert.equal(after?.hops, 4);
    assert.equal(after?.nextHopName, 'n6');
  });
});
