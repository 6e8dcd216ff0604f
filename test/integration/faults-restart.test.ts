/**
 * Fault: `kill -9` of a node's daemon and a restart with the same key and
 * state directory. Its neighbours must store a record of it with a higher
 * sequence number than before (a stale record never wins), relink, and
 * re-establish end-to-end sessions with it; `ping -6` over the TUN to it
 * resumes. The gap (kill to first reply) is printed, bounded only as liveness.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { initMesh, startDaemons, waitForDaemons } from '../../src/lab/index.js';
import { SEQUENCE_FILE } from '../../src/node/routing-host.js';
import type { PeerSessionInfo } from '../../src/session/index.js';
import { withLab } from '../helpers/lab.js';
import { admin } from '../helpers/mesh-node.js';
import { describeConvergence, FAULT_TUNING, killDaemon, liveLinks, meshAddresses, recordSequence, restartDaemon, tunPing, waitConverged } from '../helpers/faults.js';

const RECOVERY_BOUND_MS = 20_000;

test('6-node ring: kill -9 of n4 and a restart with the same key; sequence goes forward, neighbours relink, TUN ping resumes', { timeout: 120_000 }, async (t) => {
  await withLab({ nodes: 6, topology: 'ring' }, async (lab) => {
    initMesh(lab, { tuning: FAULT_TUNING });
    startDaemons(lab);
    await waitForDaemons(lab);
    await waitConverged(lab, liveLinks(lab), 30_000);
    const addresses = await meshAddresses(lab);
    const n4 = addresses.get('n4') as string;
    assert.ok(await tunPing(lab, 'n1', n4, 3), 'TUN ping n1 → n4 before the kill');

    const before = new Map<string, number>();
    for (const n of ['n3', 'n5', 'n1']) before.set(n, (await recordSequence(lab, n, 'n4')) ?? -1);
    const persisted = Number(readFileSync(join(lab.nodeDir('n4'), SEQUENCE_FILE), 'utf8'));
    t.diagnostic(`n4's record sequence before: ${[...before].map(([n, s]) => `${n} has ${s}`).join(', ')}; ${SEQUENCE_FILE} holds ${persisted}`);

    const killedAt = Date.now();
    const oldPid = await killDaemon(lab, 'n4');
    await restartDaemon(lab, 'n4', {});
    const restartedAt = Date.now();
    let firstReply = 0;
    while (Date.now() - killedAt < RECOVERY_BOUND_MS) {
      if (await tunPing(lab, 'n1', n4, 1)) { firstReply = Date.now(); break; }
      await sleep(100);
    }
    assert.ok(firstReply > 0, `TUN ping n1 → n4 resumed within ${RECOVERY_BOUND_MS} ms of the kill`);
    const converged = await waitConverged(lab, liveLinks(lab), RECOVERY_BOUND_MS);

    for (const n of ['n3', 'n5', 'n1']) {
      const after = await recordSequence(lab, n, 'n4');
      assert.ok(after !== undefined && after > (before.get(n) as number), `${n} stores n4's record with sequence ${after}, higher than ${before.get(n)} before the kill`);
    }
    const newPid = ((await admin(lab, 'n4', 'status')) as { pid: number }).pid;
    assert.notEqual(newPid, oldPid);
    for (const n of ['n3', 'n5']) {
      const neighbours = (await admin(lab, n, 'neighbors')) as Array<{ name: string; uptimeMs: number }>;
      const link = neighbours.find((l) => l.name === 'n4');
      assert.ok(link && link.uptimeMs <= Date.now() - killedAt, `${n} relinked with the restarted n4`);
    }
    const sessions = (await admin(lab, 'n1', 'sessions')) as PeerSessionInfo[];
    const s = sessions.find((p) => p.name === 'n4');
    assert.ok(s?.sessionAgeMs !== undefined && s.sessionAgeMs <= Date.now() - killedAt, `n1 holds a new session with n4 (age ${s?.sessionAgeMs} ms)`);
    const afterSeq = await recordSequence(lab, 'n3', 'n4');
    t.diagnostic(`kill → daemon answering ${restartedAt - killedAt} ms; kill → first TUN reply ${firstReply - killedAt} ms; routes after that: ${describeConvergence(converged)}; n3 now has sequence ${afterSeq} (+${(afterSeq ?? 0) - (before.get('n3') ?? 0)})`);
  });
});
