/**
 * Twenty whole daemons in virtual time (src/sim/daemons.ts): a ring with
 * chords of static peers over the in-memory transport, one ManualClock.
 * The mesh converges, an IPv6 packet written into one node's TUN comes out
 * of the far node's TUN, and after a link on the path is cut, routes go
 * around it and the packet gets through again. Virtual times are printed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DaemonMesh, ringWithChords } from '../../src/sim/daemons.js';
import { udp } from '../helpers/packets.js';

const SIZE = 20;
/** A chord every 5 nodes: 0-10, 5-15 (10-0 and 15-5 are the same chords). */
const EDGES = ringWithChords(SIZE, 5);
const CONVERGE_MAX_MS = 60_000;
const DELIVER_MAX_MS = 10_000;

/** The UDP packets that node `from` writes to `to` reach `to`'s TUN; resolves with the virtual ms taken. */
async function deliver(mesh: DaemonMesh, from: number, to: number, srcPort: number): Promise<number> {
  const src = mesh.daemon(from).tun.address.text;
  const dst = mesh.daemon(to).tun.address.text;
  const packet = udp({ src, dst }, srcPort, 9, 32);
  mesh.tun(to).takeWritten();
  mesh.tun(from).inject([packet]);
  const arrived: Uint8Array[] = [];
  return mesh.until(() => {
    arrived.push(...mesh.tun(to).takeWritten());
    return arrived.some((p) => Buffer.from(p).equals(Buffer.from(packet)));
  }, { maxMs: DELIVER_MAX_MS, what: `a packet from node ${from} to node ${to}` });
}

/** The names on node `from`'s path to node `to`, ending with `to`'s. */
function pathNames(mesh: DaemonMesh, from: number, to: number): string[] {
  const target = mesh.daemon(to).identity.key.idText;
  const member = mesh.daemon(from).routing.members().find((m) => m.id === target);
  assert.ok(member, `node ${from} has a route to node ${to}`);
  const names = new Map(mesh.daemon(from).routing.members().map((m) => [m.id, m.name]));
  return member.path.map((id) => names.get(id) ?? id);
}

test(`${SIZE} daemons on one virtual clock: converge, carry a packet across, route around a cut link`, async (t) => {
  const mesh = await DaemonMesh.create({ size: SIZE, edges: EDGES, latencyMs: 2 });
  try {
    const converged = await mesh.until(() => mesh.converged(), { maxMs: CONVERGE_MAX_MS, what: `all ${SIZE} daemons to know all ${SIZE} members` });
    t.diagnostic(`converged: every daemon lists ${SIZE} members after ${converged} ms of virtual time`);
    for (const d of mesh.daemons) assert.equal(d.routing.members().length, SIZE);

    // Node 2 to node 7: the ring path 2-3-4-5-6-7 or a chord, whichever routing picks.
    const from = 2;
    const to = 7;
    const before = pathNames(mesh, from, to);
    const first = await deliver(mesh, from, to, 40_001);
    t.diagnostic(`packet n0${from} -> n0${to} over ${before.join(' ')}: delivered after ${first} ms (session handshake included)`);

    // Cut the first link of that path: both ends notice by keepalive silence, routes go around.
    const hop = Number(before[0]!.slice(1));
    const cutAt = mesh.clock.monotonic();
    mesh.cut(from, hop);
    const down = await mesh.until(() => !mesh.linked(from, hop) && !mesh.linked(hop, from), { maxMs: DELIVER_MAX_MS, what: `the link n0${from} - ${before[0]} to close` });
    const rerouted = await mesh.until(() => {
      const path = pathNames(mesh, from, to);
      return path[0] !== before[0] && mesh.converged();
    }, { maxMs: CONVERGE_MAX_MS, what: `node ${from} to route around the cut link` });
    const after = pathNames(mesh, from, to);
    t.diagnostic(`cut n0${from} - ${before[0]}: link down after ${down} ms, rerouted over ${after.join(' ')} after ${down + rerouted} ms (virtual, from the cut)`);
    assert.notEqual(after[0], before[0]);
    assert.ok(mesh.converged(), 'every daemon still reaches all members');

    const again = await deliver(mesh, from, to, 40_002);
    t.diagnostic(`packet after the cut: delivered after ${again} ms; ${mesh.clock.monotonic() - cutAt} ms of virtual time since the cut`);
  } finally {
    await mesh.close();
  }
});
