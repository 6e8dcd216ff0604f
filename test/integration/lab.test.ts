/**
 * The lab on the real kernel (root): every topology has exactly its links as
 * seen from inside the namespaces; link-local multicast and TCP work across
 * a link; cut stops them and heal restores them; two labs run side by side
 * without interference; impairment lands on both ends.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTopology, type TopologyKind } from '../../src/lab/index.js';
import { ErrorCodes, isSkeinError } from '../../src/util/errors.js';
import { withLab } from '../helpers/lab.js';
import { hostLeftovers, observeLinks } from '../helpers/lab-checks.js';
import { ask, startAnswerer } from '../helpers/probe-run.js';

/** An ask across a working link answers in tens of ms; this allows for node start-up on a loaded machine. */
const ASK_OK_TIMEOUT_MS = 5_000;
/** Across a cut link nothing may answer within this window. */
const ASK_CUT_TIMEOUT_MS = 1_500;

let root = '';
before(() => {
  root = mkdtempSync(join(tmpdir(), 'skein-lab-it-'));
  process.env.SKEIN_LAB_DIR = root;
});
after(() => rmSync(root, { recursive: true, force: true }));

const CASES: Array<{ kind: TopologyKind; nodes: number; seed?: number; links: number }> = [
  { kind: 'line', nodes: 4, links: 3 },
  { kind: 'ring', nodes: 5, links: 5 },
  { kind: 'star', nodes: 5, links: 4 },
  { kind: 'grid', nodes: 6, links: 7 },
  { kind: 'random', nodes: 6, seed: 11, links: 8 },
  { kind: 'bridge', nodes: 4, links: 4 },
];

for (const c of CASES) {
  test(`${c.kind} of ${c.nodes}: exactly the expected links, seen from inside the namespaces`, async (t) => {
    const started = performance.now();
    let name = '';
    await withLab({ nodes: c.nodes, topology: c.kind, ...(c.seed !== undefined ? { seed: c.seed } : {}) }, async (lab) => {
      name = lab.name;
      const built = performance.now() - started;
      const observed = await observeLinks(lab);
      assert.deepEqual(observed.problems, []);
      const topology = generateTopology({ kind: c.kind, nodes: c.nodes, ...(c.seed !== undefined ? { seed: c.seed } : {}) });
      const expected = topology.shared
        ? lab.nodes.map((n) => `${n}~sw`)
        : topology.links.map(([a, b]) => `n${a}~n${b}`);
      assert.deepEqual(observed.pairs, [...expected].sort());
      assert.equal(observed.pairs.length, c.links);
      assert.equal(observed.linkLocal.size, topology.shared ? c.nodes : 2 * c.links, 'every node end has a usable link-local address');
      const status = await lab.status();
      assert.ok(status.links.every((l) => l.state === 'up'));
      t.diagnostic(`${c.kind}/${c.nodes}: ${observed.pairs.length} links observed, built in ${Math.round(built)} ms`);
    });
    assert.deepEqual(hostLeftovers(name), { namespaces: [], hostInterfaces: [] });
  });
}

test('two nodes on a link exchange link-local multicast and TCP; cut stops it, heal restores it', async (t) => {
  await withLab({ nodes: 3, topology: 'line' }, async (lab, lt) => {
    const n1n2 = lab.link('n1', 'n2');
    const n2n3 = lab.link('n2', 'n3');
    await startAnswerer(lt, 'n2', lab.interfaces('n2').map((i) => i.ifname));
    const observed = await observeLinks(lab);

    const first = await ask(lab, 'n1', n1n2.a.ifname, ASK_OK_TIMEOUT_MS);
    assert.ok(first.ok, first.output);
    // The answer came over TCP from n2's own link-local address, scoped to n1's interface.
    assert.equal(first.verdict.from, `${observed.linkLocal.get(`n2/${n1n2.b.ifname}`)}%${n1n2.a.ifname}`);

    await lab.cut('n1', 'n2');
    assert.equal((await lab.linkState('n1', 'n2')).state, 'down');
    const cut = await ask(lab, 'n1', n1n2.a.ifname, ASK_CUT_TIMEOUT_MS);
    assert.equal(cut.ok, false, cut.output);
    assert.equal(cut.verdict.event, 'timeout');
    const other = await ask(lab, 'n3', n2n3.b.ifname, ASK_OK_TIMEOUT_MS);
    assert.ok(other.ok, `the n2—n3 link still works while n1—n2 is cut: ${other.output}`);

    const healStarted = performance.now();
    await lab.heal('n1', 'n2');
    const healed = await ask(lab, 'n1', n1n2.a.ifname, ASK_OK_TIMEOUT_MS);
    assert.ok(healed.ok, healed.output);
    t.diagnostic(`first answer ${String(first.verdict.ms)} ms; cut: ${String(cut.verdict.hellos)} hellos unanswered (${JSON.stringify(cut.verdict.sendErrors)}); healed and answered in ${Math.round(performance.now() - healStarted)} ms (probe ${String(healed.verdict.ms)} ms)`);
  });
});

test('bridge: one node reaches the others on the shared segment; cutting its port isolates it', async () => {
  await withLab({ nodes: 3, topology: 'bridge' }, async (lab, lt) => {
    const ifname = lab.interfaces('n1')[0]!.ifname;
    await startAnswerer(lt, 'n3', [ifname]);
    assert.ok((await ask(lab, 'n1', ifname, ASK_OK_TIMEOUT_MS)).ok);
    await lab.cut('n1', 'sw');
    assert.equal((await ask(lab, 'n1', ifname, ASK_CUT_TIMEOUT_MS)).ok, false);
    assert.ok((await ask(lab, 'n2', ifname, ASK_OK_TIMEOUT_MS)).ok, 'n2 still reaches n3 through the switch');
    await lab.heal('sw', 'n1');
    assert.ok((await ask(lab, 'n1', ifname, ASK_OK_TIMEOUT_MS)).ok);
  });
});

test('two labs at once: distinct names, and cutting or removing one leaves the other working', async (t) => {
  await withLab({ nodes: 3, topology: 'line' }, async (a, at) => {
    await withLab({ nodes: 3, topology: 'line' }, async (b, bt) => {
      assert.notEqual(a.name, b.name);
      const nsA = a.nodes.map((n) => a.namespace(n));
      const nsB = b.nodes.map((n) => b.namespace(n));
      assert.equal(new Set([...nsA, ...nsB]).size, 6);
      await startAnswerer(at, 'n2', [a.link('n1', 'n2').b.ifname]);
      await startAnswerer(bt, 'n2', [b.link('n1', 'n2').b.ifname]);
      // Same probe port and group in both labs: each answerer hears only its own lab.
      assert.ok((await ask(a, 'n1', a.link('n1', 'n2').a.ifname, ASK_OK_TIMEOUT_MS)).ok);
      assert.ok((await ask(b, 'n1', b.link('n1', 'n2').a.ifname, ASK_OK_TIMEOUT_MS)).ok);
      await a.cut('n1', 'n2');
      assert.equal((await ask(a, 'n1', a.link('n1', 'n2').a.ifname, ASK_CUT_TIMEOUT_MS)).ok, false);
      assert.ok((await ask(b, 'n1', b.link('n1', 'n2').a.ifname, ASK_OK_TIMEOUT_MS)).ok, 'lab b is unaffected by a cut in lab a');
      assert.equal((await b.linkState('n1', 'n2')).state, 'up');
      const heardInA = at.logs().split('\n').filter((l) => l.includes('"heard"')).length;
      const heardInB = bt.logs().split('\n').filter((l) => l.includes('"heard"')).length;
      t.diagnostic(`answerer in ${a.name} heard ${heardInA} hellos, in ${b.name} ${heardInB}`);
    });
    // b is gone; a is intact.
    assert.equal((await a.status()).nodes.every((n) => n.present), true);
  });
});

test('two labs built at the same moment each get exactly their own links', async () => {
  const build = (topology: TopologyKind) => withLab({ nodes: 4, topology }, async (lab) => {
    const observed = await observeLinks(lab);
    assert.deepEqual(observed.problems, []);
    return observed.pairs.length;
  });
  assert.deepEqual(await Promise.all([build('ring'), build('ring'), build('star')]), [4, 4, 3]);
});

test('impairment lands on both ends: a rate limit always; delay/loss where the kernel has netem', async (t) => {
  await withLab({ nodes: 2, topology: 'line' }, async (lab) => {
    await lab.impair('n1', 'n2', { rateBitsPerSecond: 10_000_000 });
    let link = (await lab.status()).links[0]!;
    assert.match(link.impairment ?? '', /^tbf rate 10Mbit/);
    for (const end of [lab.link('n1', 'n2').a, lab.link('n1', 'n2').b]) {
      const r = await lab.exec(end.node, ['tc', 'qdisc', 'show', 'dev', end.ifname]);
      assert.match(r.stdout, /qdisc tbf .* root .*rate 10Mbit/);
    }
    try {
      await lab.impair('n1', 'n2', { delayMs: 20, lossPercent: 1 });
      link = (await lab.status()).links[0]!;
      assert.match(link.impairment ?? '', /netem .*delay 20ms loss 1%/);
      t.diagnostic('netem available: delay and loss applied');
    } catch (err) {
      assert.ok(isSkeinError(err, ErrorCodes.LAB_UNSUPPORTED), String(err));
      t.diagnostic(`this kernel has no netem: ${err.message}`);
    }
    await lab.clearImpairment('n1', 'n2');
    assert.equal((await lab.status()).links[0]!.impairment, undefined);
  });
});
