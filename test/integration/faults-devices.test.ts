/**
 * Fault: devices deleted under a running node.
 *  - A lab interface (one end of a veth pair; the kernel deletes both) is
 *    deleted and re-created: the node drops the link, then uses the new
 *    interface and relinks; routes match the graph at each stage.
 *  - The TUN device (`ip link del skein0` in the node's namespace): the node
 *    logs an error naming the device and re-creates it (docs/faults.md), so
 *    `ping -6` over the TUN works again.
 * In both, the daemon never crashes and never spins: its CPU time over a few
 * seconds after the fault stays far below one core.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { initMesh, startDaemons, waitForDaemons, type Lab } from '../../src/lab/index.js';
import { NODE_LOG_FILE } from '../../src/lab/mesh.js';
import { withLab } from '../helpers/lab.js';
import { admin } from '../helpers/mesh-node.js';
import { cpuMs, daemonPid, describeConvergence, FAULT_TUNING, isAlive, linkKey, liveLinks, meshAddresses, tunPing, waitConverged } from '../helpers/faults.js';

const BOUND_MS = 15_000;
const CPU_WINDOW_MS = 4_000;
/** A spinning event loop burns ~100% of a core; an idle node a few percent. */
const MAX_CPU_SHARE = 0.5;

async function cpuShareOver(pid: number, ms: number): Promise<number> {
  const before = cpuMs(pid);
  await sleep(ms);
  return (cpuMs(pid) - before) / ms;
}

async function recreateVeth(lab: Lab, a: string, b: string): Promise<void> {
  const link = lab.link(a, b);
  const run = async (node: string, argv: string[]) => {
    const r = await lab.exec(node, argv);
    assert.equal(r.code, 0, `${argv.join(' ')} in ${node}: ${r.stderr}`);
  };
  await run(a, ['ip', 'link', 'add', link.a.ifname, 'type', 'veth', 'peer', 'name', link.b.ifname, 'netns', link.b.namespace]);
  await run(a, ['ip', 'link', 'set', 'dev', link.a.ifname, 'up']);
  await run(b, ['ip', 'link', 'set', 'dev', link.b.ifname, 'up']);
}

function logLines(lab: Lab, node: string): Array<Record<string, unknown>> {
  return readFileSync(join(lab.nodeDir(node), NODE_LOG_FILE), 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('devices deleted under a running node: a lab interface (deleted, re-created) and the TUN device', { timeout: 150_000 }, async (t) => {
  await withLab({ nodes: 4, topology: 'ring' }, async (lab) => {
    initMesh(lab, { tuning: FAULT_TUNING });
    startDaemons(lab);
    await waitForDaemons(lab);
    await waitConverged(lab, liveLinks(lab), 30_000);
    const pid = await daemonPid(lab, 'n1');
    const address = await meshAddresses(lab);

    // A lab interface: n1's end of n1—n2 deleted (its veth peer in n2 goes with it).
    const link = lab.link('n1', 'n2');
    const deletedAt = Date.now();
    assert.equal((await lab.exec('n1', ['ip', 'link', 'del', link.a.ifname])).code, 0);
    const gone = await waitConverged(lab, liveLinks(lab, new Set([linkKey('n1', 'n2')])), BOUND_MS);
    const ifaceCpu = await cpuShareOver(pid, CPU_WINDOW_MS);
    await recreateVeth(lab, 'n1', 'n2');
    const recreatedAt = Date.now();
    const back = await waitConverged(lab, liveLinks(lab), BOUND_MS);
    assert.ok(isAlive(pid), 'n1 still runs after its interface was deleted');
    t.diagnostic(`interface ${link.a.ifname} deleted: routes without it: ${describeConvergence(gone)}; CPU ${(ifaceCpu * 100).toFixed(1)}% of a core over ${CPU_WINDOW_MS} ms; re-created: routes with it: ${describeConvergence(back)} (${recreatedAt - deletedAt} ms without)`);
    assert.ok(ifaceCpu < MAX_CPU_SHARE, `n1 used ${(ifaceCpu * 100).toFixed(1)}% of a core after the interface went`);

    // The TUN device.
    assert.ok(await tunPing(lab, 'n2', address.get('n1') as string, 3), 'TUN ping n2 → n1 before');
    const tunDeletedAt = Date.now();
    assert.equal((await lab.exec('n1', ['ip', 'link', 'del', 'skein0'])).code, 0);
    const tunCpu = await cpuShareOver(pid, CPU_WINDOW_MS);
    assert.ok(isAlive(pid), 'n1 still runs after its TUN device was deleted');
    assert.ok(tunCpu < MAX_CPU_SHARE, `n1 used ${(tunCpu * 100).toFixed(1)}% of a core after its TUN device went`);
    let resumed = 0;
    while (Date.now() - tunDeletedAt < BOUND_MS) {
      if (await tunPing(lab, 'n2', address.get('n1') as string, 1)) { resumed = Date.now() - tunDeletedAt; break; }
      await sleep(200);
    }
    const status = (await admin(lab, 'n1', 'status')) as { dataPlane: { device: string | null; unavailable: string | null } };
    const reported = logLines(lab, 'n1').filter((l) => typeof l.msg === 'string' && /TUN/.test(l.msg) && (l.level === 'error' || l.level === 'fatal'));
    const recreated = logLines(lab, 'n1').find((l) => typeof l.msg === 'string' && /re-created/.test(l.msg));
    const recreatedMs = typeof recreated?.time === 'string' ? `${Date.parse(recreated.time) - tunDeletedAt} ms` : 'never';
    t.diagnostic(`TUN deleted: re-created after ${recreatedMs}; CPU ${(tunCpu * 100).toFixed(1)}% of a core over ${CPU_WINDOW_MS} ms; logged: ${reported.map((l) => l.msg).join(' | ') || '(nothing)'}; TUN ping n2 → n1 answered ${resumed ? `${resumed} ms after the deletion (first tried after the CPU window)` : "never"}; device ${status.dataPlane.device}`);
    assert.ok(reported.length > 0, 'the node logged an error about its TUN device');
    assert.ok(resumed > 0, `TUN ping resumed within ${BOUND_MS} ms (the device was re-created)`);
    assert.equal(status.dataPlane.device, 'skein0');
  });
});
