/**
 * The topology page's server side: the graph from routing records (only
 * links both ends list; this node's route tree marked), and the HTTP
 * service (every request needs the token, else 401; the page, the library
 * from node_modules, the graph, the event stream).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTopologyGraph, edgeId, type TopologyGraph } from '../../src/control/topology-graph.js';
import { requestToken, WebService } from '../../src/control/topology.js';
import { Observability } from '../../src/control/observability.js';
import { MAX_EVENT_STREAMS } from '../../src/control/event-stream.js';
import { SeededRandom } from '../../src/util/random.js';
import { silentLogger } from '../../src/util/log.js';
import { fakeNode, ID, type FakeNode } from './observability-fixtures.js';

const graphOf = (node: FakeNode) => buildTopologyGraph({
  self: { id: ID.n1, name: 'n1' }, members: node.state.members, records: node.state.records, selfLinks: node.selfLinks(), now: new Date(0),
});

test('graph: members are nodes; a link counts only when both ends list it; this node\'s route tree is marked', () => {
  const node = fakeNode();
  const g = graphOf(node);
  assert.deepEqual(g.nodes.map((n) => n.name), ['n1', 'n2', 'n3']);
  assert.deepEqual(g.edges.map((e) => e.id).sort(), [edgeId(ID.n1, ID.n2), edgeId(ID.n1, ID.n3), edgeId(ID.n2, ID.n3)].sort());
  const e12 = g.edges.find((e) => e.id === edgeId(ID.n1, ID.n2));
  assert.deepEqual([e12?.source, e12?.cost, e12?.reverseCost, e12?.tree], [ID.n1, 1500, 1400, true]);
  assert.equal(g.edges.find((e) => e.id === edgeId(ID.n2, ID.n3))?.tree, false, 'n2 — n3 is no route of n1');
  const n3 = g.nodes.find((n) => n.name === 'n3');
  assert.deepEqual(n3?.neighbours.map((x) => x.name), ['n1', 'n2', null], 'n4 is listed but is not a member');
  assert.equal(n3?.nextHopName, 'n3');
  assert.equal(g.truncated, false);
  assert.doesNotMatch(JSON.stringify(g), /key|certificate|address/i, 'no secrets or addresses');

  // n2 drops n3 from its record: the edge is gone at once, though n3 still lists n2.
  node.state.records[1] = { ...node.state.records[1]!, neighbours: [{ id: ID.n1, cost: 1400 }] };
  const after = graphOf(node);
  assert.equal(after.edges.length, 2);

  // n1's own link to n3 goes down: the edge leaves with it, before n1's next record.
  node.state.selfLinks = [{ id: ID.n2, cost: 1500 }];
  assert.deepEqual(graphOf(node).edges.map((e) => e.id), [edgeId(ID.n1, ID.n2)]);
});

test('graph: a route over several hops marks every edge on its path', () => {
  const node = fakeNode();
  // n3 reached through n2 (path n2, n3): tree = n1—n2 and n2—n3, not n1—n3.
  node.state.members[2] = { ...node.state.members[2]!, hops: 2, nextHop: ID.n2, nextHopName: 'n2', path: [ID.n2, ID.n3] };
  const g = graphOf(node);
  const tree = g.edges.filter((e) => e.tree).map((e) => e.id).sort();
  assert.deepEqual(tree, [edgeId(ID.n1, ID.n2), edgeId(ID.n2, ID.n3)].sort());
});

async function startWeb() {
  const node = fakeNode();
  const web = new WebService(node, { listen: '127.0.0.1:0', allowRemote: false, random: new SeededRandom(7), log: silentLogger() });
  await web.start();
  const url = new URL(web.url());
  const token = url.searchParams.get('token') ?? '';
  const base = `${url.protocol}//${url.host}`;
  return { node, web, token, base };
}

test('web: without the token (or with a wrong one) every path answers 401', async () => {
  const { web, token, base } = await startWeb();
  try {
    assert.match(token, /^[A-Za-z0-9_-]{43}$/, 'a 256-bit base64url token');
    for (const path of ['/', '/app.js', '/lib/cytoscape.min.js', '/api/graph', '/api/events', '/nope']) {
      const res = await fetch(`${base}${path}`);
      assert.equal(res.status, 401, path);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="skein"');
      assert.doesNotMatch(await res.text(), new RegExp(token));
    }
    assert.equal((await fetch(`${base}/api/graph?token=${token.slice(0, -1)}x`)).status, 401);
    assert.equal((await fetch(`${base}/api/graph`, { headers: { cookie: `skein_web_1=${token}` } })).status, 401, 'a cookie for another port');
  } finally {
    await web.stop();
  }
});

test('web: the page with the token sets the cookie; cookie and bearer work; library, graph served; no token in the page', async () => {
  const { web, token, base } = await startWeb();
  try {
    const page = await fetch(`${base}/?token=${token}`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<script src="\/lib\/cytoscape\.min\.js"><\/script>/);
    assert.doesNotMatch(html, new RegExp(token));
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    assert.equal(cookie, `skein_web_${new URL(base).port}=${token}`);
    assert.match(page.headers.get('set-cookie') ?? '', /HttpOnly; SameSite=Strict/);

    const lib = await fetch(`${base}/lib/cytoscape.min.js`, { headers: { cookie } });
    assert.equal(lib.status, 200);
    assert.ok((await lib.text()).length > 100_000, 'the minified cytoscape from node_modules');
    const app = await fetch(`${base}/app.js`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(app.status, 200);
    assert.doesNotMatch(await app.text(), new RegExp(token));

    const res = await fetch(`${base}/api/graph`, { headers: { cookie } });
    assert.equal(res.status, 200);
    const g = (await res.json()) as TopologyGraph;
    assert.equal(g.self.name, 'n1');
    assert.equal(g.nodes.length, 3);
    assert.equal(g.edges.length, 3);
    assert.equal((await fetch(`${base}/missing`, { headers: { cookie } })).status, 404);
  } finally {
    await web.stop();
  }
});

test('web: the event stream carries the node\'s events; streams are bounded; stop ends them', async () => {
  const { node, web, token, base } = await startWeb();
  try {
    const ctl = new AbortController();
    const res = await fetch(`${base}/api/events?token=${token}`, { signal: ctl.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    node.events.publish({ type: 'linkDown', peer: 'n2', interface: 'eth0' });
    while (!text.includes('"linkDown"')) text += new TextDecoder().decode((await reader.read()).value);
    assert.match(text, /^retry: \d+/);
    assert.match(text, /data: \{"time":"[^"]+","type":"linkDown","peer":"n2","interface":"eth0"\}/);

    const more = [];
    for (let i = 1; i < MAX_EVENT_STREAMS; i++) more.push(await fetch(`${base}/api/events?token=${token}`, { signal: ctl.signal }));
    assert.ok(more.every((r) => r.status === 200));
    assert.equal((await fetch(`${base}/api/events?token=${token}`)).status, 503, 'one stream too many');
    ctl.abort();
  } finally {
    await web.stop();
  }
});

test('admin `web` answers the URL with its token, or says how to turn the page on', async () => {
  const node = fakeNode();
  const off = new Observability(node, {}, { random: new SeededRandom(1), log: silentLogger() });
  assert.equal(off.services.length, 0);
  assert.throws(() => off.webInfo(), /topology page is off: add a \[web\] section/);
  const on = new Observability(node, { web: { enabled: true, listen: '127.0.0.1:0', allow_remote: false } }, { random: new SeededRandom(1), log: silentLogger() });
  assert.deepEqual(on.services.map((s) => s.name), ['web']);
  assert.throws(() => on.webInfo(), /not running/);
  for (const s of on.services) await s.start();
  try {
    const { url } = on.webInfo();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
    assert.equal((await fetch(url)).status, 200);
  } finally {
    for (const s of on.services) await s.stop();
  }
});

test('requestToken: bearer header, then query, then the cookie of this port', () => {
  const req = (headers: Record<string, string>) => ({ headers }) as never;
  const url = (q = '') => new URL(`http://x/${q}`);
  assert.equal(requestToken(req({ authorization: 'Bearer abc' }), url('?token=q'), 'c'), 'abc');
  assert.equal(requestToken(req({}), url('?token=q'), 'c'), 'q');
  assert.equal(requestToken(req({ cookie: 'a=1; c=tok; d=2' }), url(), 'c'), 'tok');
  assert.equal(requestToken(req({ cookie: 'cc=tok' }), url(), 'c'), undefined);
});
