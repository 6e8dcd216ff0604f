/**
 * Twenty whole daemons in virtual time (src/sim/daemons.ts): a ring with
 * chords of static peers over the in-memory transport, one ManualClock.
 * The mesh converges, an IPv6 packet written into one node's TUN comes out
 * of the far node's TUN, and after a link on the path is cut, routes go
 * around it and the packet gets through again. Virtual times are printed,
 * never asserted. The three tests share one mesh and run in order.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DaemonMesh, meshNodeName, ringWithChords } from '../../src/sim/daemons.js';
import { udp } from '../helpers/packets.js';

const SIZE = 20;
/** A chord every 5 nodes: 0-10, 5-15 (10-0 and 15-5 are the same chords). */
const EDGES = ringWithChords(SIZE, 5);
const CONVERGE_MAX_MS = 60_000;
const DELIVER_MAX_MS = 10_000;
/** Node 2 to node 7: the ring path 2-3-4-5-6-7, or over a chord, whichever routing picks. */
const FROM = 2;
const TO = 7;

/** A UDP packet that node `from` writes to `to` comes out of `to`'s TUN; resolves with the virtual ms taken. */
async function deliver(mesh: DaemonMesh, from: number, to: number, srcPort: number): Promise<number> {
  const src = mesh.daemon(from).data.address.text;
  const dst = mesh.daemon(to).data.address.text;
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
  const members = mesh.daemon(from).routing.members();
  const member = members.find((m) => m.id === target);
  assert.ok(member, `node ${from} has a route to node ${to}`);
  const names = new Map(members.map((m) => [m.id, m.name]));
  return member.path.map((id) => names.get(id) ?? id);
}

describe(`${SIZE} whole daemons on one virtual clock`, () => {
  let mesh: DaemonMesh;
  before(async () => {
    mesh = await DaemonMesh.create({ size: SIZE, edges: EDGES, latencyMs: 2 });
  });
  after(() => mesh.close());

  test(`the mesh converges: every daemon lists all ${SIZE} members`, async (t) => {
    const converged = await mesh.until(() => mesh.converged(), { maxMs: CONVERGE_MAX_MS, what: `all ${SIZE} daemons to know all ${SIZE} members` });
    t.diagnostic(`converged after ${converged} ms of virtual time (${EDGES.length} links, 2 ms one way)`);
    for (const d of mesh.daemons) assert.equal(d.routing.members().length, SIZE);
  });

  test('a packet written into one TUN comes out of the far TUN', async (t) => {
    const path = pathNames(mesh, FROM, TO);
    const ms = await deliver(mesh, FROM, TO, 40_001);
    t.diagnostic(`${meshNodeName(FROM)} -> ${meshNodeName(TO)} over ${path.join(' ')}: delivered after ${ms} ms of virtual time (session handshake included)`);
  });

  test('a cut link: routes go around it and the packet gets through again', async (t) => {
    const before = pathNames(mesh, FROM, TO);
    const hop = Number(before[0]!.slice(1));
    mesh.cut(FROM, hop);
    // Both ends notice by keepalive silence (no FIN crosses a cut).
    const down = await mesh.until(() => !mesh.linked(FROM, hop) && !mesh.linked(hop, FROM), { maxMs: DELIVER_MAX_MS, what: `the link ${meshNodeName(FROM)} - ${before[0]} to close` });
    const rerouted = await mesh.until(() => pathNames(mesh, FROM, TO)[0] !== before[0] && mesh.converged(), { maxMs: CONVERGE_MAX_MS, what: `node ${FROM} to route around the cut link` });
    const after = pathNames(mesh, FROM, TO);
    assert.notEqual(after[0], before[0]);
    assert.ok(mesh.converged(), 'every daemon still reaches all members');
    const again = await deliver(mesh, FROM, TO, 40_002);
    t.diagnostic(`cut ${meshNodeName(FROM)} - ${before[0]}: link down after ${down} ms, rerouted over ${after.join(' ')} ${rerouted} ms later, packet delivered ${again} ms after that (virtual time)`);
  });
});
