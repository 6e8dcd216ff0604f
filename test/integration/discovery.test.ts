import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ip, MiniLab, type NodeEvent, type NodeProc } from './fixtures/discovery-lab.js';

const isRoot = process.getuid?.() === 0;
const skip = isRoot ? false : 'needs root (network namespaces)';
/** "Within a few seconds": interval 1 s in these tests, plus process start (tsx) of ~1 s. */
const SIGHTING_TIMEOUT_MS = 8000;

const sightingOf = (name: string) => (e: NodeEvent) => e.event === 'sighting' && e.name === name;

interface Pair {
  lab: MiniLab;
  a: string;
  b: string;
  /** alpha in namespace a on eth0, link port 7001; bravo in b on eth1, port 7002. */
  na: NodeProc;
  nb: NodeProc;
}

/** Two namespaces joined by a veth pair (a:eth0 — b:eth1), one discovery node in each; always torn down. */
async function withPair(tag: string, fn: (p: Pair) => Promise<void>): Promise<void> {
  const lab = new MiniLab(tag);
  try {
    const a = lab.ns('a');
    const b = lab.ns('b');
    lab.veth(a, 'eth0', b, 'eth1');
    const na = lab.start(a, { seed: 1, name: 'alpha', port: 7001 });
    const nb = lab.start(b, { seed: 2, name: 'bravo', port: 7002 });
    await fn({ lab, a, b, na, nb });
  } finally {
    lab.destroy();
  }
}

test('two nodes on a veth pair see each other with the right fe80 address%iface and name', { skip }, () =>
  withPair('pair', async ({ lab, a, b, na, nb }) => {
    const t0 = Date.now();
    const [sa, sb] = await Promise.all([
      na.waitFor(sightingOf('bravo'), SIGHTING_TIMEOUT_MS, 'a sighting of bravo'),
      nb.waitFor(sightingOf('alpha'), SIGHTING_TIMEOUT_MS, 'a sighting of alpha'),
    ]);
    const elapsed = Date.now() - t0;
    assert.equal(sa.address, `${lab.linkLocal(b, 'eth1')}%eth0`);
    assert.equal(sa.ifname, 'eth0');
    assert.equal(sa.port, 7002);
    assert.equal(sb.address, `${lab.linkLocal(a, 'eth0')}%eth1`);
    assert.equal(sb.port, 7001);
    assert.match(String(sa.idText), /^[0-9a-f]{32}$/);
    const ca = await na.counters();
    assert.equal(ca.badSignature, 0);
    assert.equal(ca.own, 0, 'multicast loopback is off');
    console.log(`# both sightings ${elapsed} ms after start (incl. process start); a counters: sent=${ca.sent} accepted=${ca.accepted}`);
  }));

test('garbage to the multicast port is counted and dropped, and discovery goes on', { skip }, () =>
  withPair('junk', async ({ a, nb }) => {
    await nb.waitFor(sightingOf('alpha'), SIGHTING_TIMEOUT_MS, 'a sighting of alpha');
    // 40 datagrams of junk from a's namespace to the group on b's link, from a second source port.
    const junk = `const s=require('dgram').createSocket('udp6');let n=0;` +
      `const go=()=>{if(n++>=40)return s.close();s.send(require('crypto').randomBytes(1+n*5),7460,'ff02::114%eth0',go)};go()`;
    ip('netns', 'exec', a, process.execPath, '-e', junk);
    const before = nb.events.length;
    await nb.waitFor(sightingOf('alpha'), SIGHTING_TIMEOUT_MS, 'a sighting of alpha after the junk', before);
    const cb = await nb.counters();
    // The junk shares alpha's source address, so alpha's bucket (burst 10, one token already spent on
    // its advertisement) lets ~9 through to the decoder (malformed) and rate-limits the rest.
    assert.equal(cb.malformed + cb.rateLimitedSource, 40, JSON.stringify(cb));
    assert.ok(cb.malformed >= 5, JSON.stringify(cb));
    console.log(`# junk: malformed=${cb.malformed} rateLimitedSource=${cb.rateLimitedSource} accepted=${cb.accepted}`);
  }));

test('an interface deleted and re-created between two polls is re-joined (new ifindex) and discovery resumes', { skip }, () =>
  withPair('recr', async ({ lab, a, b, na, nb }) => {
    await nb.waitFor(sightingOf('alpha'), SIGHTING_TIMEOUT_MS, 'a sighting of alpha');
    await na.waitFor(sightingOf('bravo'), SIGHTING_TIMEOUT_MS, 'a sighting of bravo');
    const firstUp = await nb.waitFor((e) => e.event === 'interfaceUp', 1000, 'interfaceUp');
    const mark = nb.events.length;
    const t0 = Date.now();
    // Same names, back to back (well inside one 250 ms poll): the watcher sees only a new ifindex,
    // and the kernel has silently dropped the old membership.
    ip('-n', a, 'link', 'del', 'eth0'); // deletes both ends
    lab.veth(a, 'eth0', b, 'eth1');
    const down = await nb.waitFor((e) => e.event === 'interfaceDown', 3000, 'interfaceDown after re-creation', mark);
    const up = await nb.waitFor((e) => e.event === 'interfaceUp', 3000, 'interfaceUp after re-creation', mark);
    assert.equal(down.index, firstUp.index);
    assert.notEqual(up.index, firstUp.index, 'the re-created interface has a new ifindex');
    await nb.waitFor(sightingOf('alpha'), SIGHTING_TIMEOUT_MS, 'a sighting of alpha after re-creation', mark);
    console.log(`# re-joined and sighted ${Date.now() - t0} ms after re-creation (ifindex ${String(firstUp.index)} -> ${String(up.index)})`);
  }));

test('three nodes on one bridge: each sees the other two', { skip }, async () => {
  const lab = new MiniLab('br');
  try {
    const port = lab.bridge(lab.ns('sw'));
    const names = ['n1', 'n2', 'n3'];
    const nodes = names.map((name, i) => {
      const ns = lab.ns(name);
      port(ns, 'eth0');
      return lab.start(ns, { seed: 30 + i, name });
    });
    const t0 = Date.now();
    await Promise.all(nodes.flatMap((p, i) => names.filter((_, j) => j !== i)
      .map((other) => p.waitFor(sightingOf(other), SIGHTING_TIMEOUT_MS, `${names[i]} sighting ${other}`))));
    console.log(`# all 6 sightings on the bridge ${Date.now() - t0} ms after start`);
  } finally {
    lab.destroy();
  }
});
