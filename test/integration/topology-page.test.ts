/**
 * The live topology page in a real browser (issue 8): a 4-node ring in the
 * lab, n1 serving its page on 127.0.0.1 inside its namespace, and Debian's
 * headless Chromium, driven by playwright-core, started INSIDE n1's
 * namespace (through a one-line `ip netns exec` wrapper) so it reaches that
 * loopback address. The test takes a screenshot, checks that every lab node
 * is drawn and listed, cuts a link elsewhere in the ring and checks that the
 * edge leaves the page within a few seconds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { adminCall } from '../../src/control/client.js';
import { initMesh, nodeConfigPath, startDaemons, waitForDaemons, type Lab } from '../../src/lab/index.js';
import { withLab } from '../helpers/lab.js';
import { waitFor } from '../helpers/wait.js';
import type { MemberInfo } from '../../src/control/protocol.js';

const CHROMIUM = '/usr/bin/chromium';
/** As root, in a namespace with no outside network: no sandbox, no GPU, nothing phoning home. */
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
const TUNING = { discoveryIntervalMs: 1000, keepaliveMs: 300, deadAfterMs: 1500 };
const CONVERGE_MS = 20_000;
const PAGE_READY_MS = 15_000;
/** "Within a few seconds": interface down → link down at once; the far ends' new records flood in well under this. */
const EDGE_GONE_MS = 8_000;
/** Where the screenshot is kept after the lab (and its directory) goes away. */
const KEPT_SCREENSHOT = join(tmpdir(), 'skein-topology-page.png');

interface PageSnapshot {
  drawnNodes: string[];
  drawnEdges: string[];
  treeEdges: string[];
  listedNodes: string[];
  listedEdges: string[];
  stream: string;
}

/** Read in the page: what cytoscape draws and what the side tables list (edges as `a-b`, names sorted). */
const SNAPSHOT_JS = `(() => {
  const t = window.skeinTopology;
  if (!t || !t.graph()) return null;
  const name = (id) => t.cy.getElementById(id).data('label');
  const edge = (e) => [name(e.data('source')), name(e.data('target'))].sort().join('-');
  return {
    drawnNodes: t.cy.nodes().map((n) => n.data('label')).sort(),
    drawnEdges: t.cy.edges().map(edge).sort(),
    treeEdges: t.cy.edges('.tree').map(edge).sort(),
    listedNodes: [...document.querySelectorAll('#members tbody tr')].map((tr) => tr.dataset.name).sort(),
    listedEdges: [...document.querySelectorAll('#links li')].map((li) => li.dataset.edge.split(' — ').join('-')).sort(),
    stream: document.getElementById('stream').textContent,
  };
})()`;

const snapshot = (page: Page) => page.evaluate(SNAPSHOT_JS) as Promise<PageSnapshot | null>;

/** A browser "binary" that is Chromium run inside a lab node's namespace. */
function chromiumInNode(lab: Lab, node: string): string {
  const wrapper = join(lab.dir, `chromium-${node}`);
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${lab.namespace(node)} ${CHROMIUM} "$@"\n`);
  chmodSync(wrapper, 0o755);
  return wrapper;
}

test('topology page in headless Chromium: every lab node appears; a cut link disappears', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} missing: apt-get install -y chromium` }, async () => {
  await withLab({ nodes: 4, topology: 'ring' }, async (lab) => {
    const started = Date.now();
    initMesh(lab, { tuning: TUNING });
    appendFileSync(nodeConfigPath(lab, 'n1'), '\n[web]\nlisten = "127.0.0.1:0"\n');
    startDaemons(lab);
    await waitForDaemons(lab);
    const socket = join(lab.nodeDir('n1'), 'skein.sock');
    await waitFor(async () => ((await adminCall(socket, 'nodes')) as MemberInfo[]).length === 4, { timeoutMs: CONVERGE_MS, what: 'n1 to learn all 4 members' });
    const { url } = (await adminCall(socket, 'web')) as { url: string };
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=/);

    const context = await chromium.launchPersistentContext(join(lab.dir, 'chromium-profile'), {
      executablePath: chromiumInNode(lab, 'n1'), headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1280, height: 800 },
    });
    try {
      // Without the token: refused (in a page of its own: the browser logs the 401s).
      const probe = context.pages()[0] ?? (await context.newPage());
      assert.equal((await probe.goto(url.replace(/\?token=.*$/, '')))?.status(), 401);
      await probe.close();

      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
      const opened = await page.goto(url);
      assert.equal(opened?.status(), 200);
      const ready = await waitFor(async () => {
        const s = await snapshot(page);
        return s && s.drawnNodes.length === 4 && s.drawnEdges.length === 4 && s.stream.endsWith('live') ? s : undefined;
      }, { timeoutMs: PAGE_READY_MS, what: 'the page to draw 4 nodes and 4 links with a live event stream' });
      assert.deepEqual(ready.drawnNodes, ['n1', 'n2', 'n3', 'n4']);
      assert.deepEqual(ready.listedNodes, ['n1', 'n2', 'n3', 'n4']);
      assert.deepEqual(ready.drawnEdges, ['n1-n2', 'n1-n4', 'n2-n3', 'n3-n4']);
      assert.deepEqual(ready.listedEdges, ready.drawnEdges);
      // n1's routes to 3 members form a tree of 3 edges, at least one of them n1's own.
      assert.equal(ready.treeEdges.length, 3, `route tree: ${ready.treeEdges.join(', ')}`);
      assert.ok(ready.treeEdges.every((e) => ready.drawnEdges.includes(e)) && ready.treeEdges.some((e) => e.startsWith('n1-')));
      assert.equal(page.url().includes('token='), false, 'the page removed the token from the address bar');

      // Click n3 with the mouse, where cytoscape drew it: its details.
      const n3 = await page.evaluate(`(() => {
        const n = window.skeinTopology.cy.nodes().filter((x) => x.data('label') === 'n3');
        const box = document.getElementById('graph').getBoundingClientRect();
        const at = n.renderedPosition();
        return { id: n.id(), x: box.left + at.x, y: box.top + at.y };
      })()`) as { id: string; x: number; y: number };
      await page.mouse.click(n3.x, n3.y);
      await page.waitForSelector('#details-list dd[data-field="name"]');
      assert.equal(await page.textContent('#details-list dd[data-field="name"]'), 'n3');
      assert.equal(await page.textContent('#details-list dd[data-field="id"]'), n3.id);
      assert.equal(await page.textContent('#details-list dd[data-field="hops"]'), '2');
      assert.match((await page.textContent('#details-list dd[data-field="neighbours"]')) ?? '', /n2 .*n4 |n4 .*n2 /);

      const shot = join(lab.dir, 'topology-n1.png');
      await page.screenshot({ path: shot });
      copyFileSync(shot, KEPT_SCREENSHOT);
      process.stdout.write(`# screenshot: ${shot} (kept as ${KEPT_SCREENSHOT}); page ready ${Date.now() - started} ms after start\n`);

      // Cut n2 — n3 (not one of n1's links): the edge must leave n1's page.
      const cutAt = Date.now();
      await lab.cut('n2', 'n3');
      const after = await waitFor(async () => {
        const s = await snapshot(page);
        return s && !s.drawnEdges.includes('n2-n3') && !s.listedEdges.includes('n2-n3') ? s : undefined;
      }, { timeoutMs: EDGE_GONE_MS, what: 'the cut edge n2-n3 to leave the page', intervalMs: 50 });
      const goneMs = Date.now() - cutAt;
      assert.deepEqual(after.drawnEdges, ['n1-n2', 'n1-n4', 'n3-n4']);
      assert.deepEqual(after.drawnNodes, ['n1', 'n2', 'n3', 'n4'], 'the ring is now a line: everyone still reachable');
      await waitFor(async () => (await snapshot(page))?.treeEdges.length === 3 || undefined, { timeoutMs: EDGE_GONE_MS, what: 'the route tree to span the line' });
      await page.screenshot({ path: join(lab.dir, 'topology-n1-after-cut.png') });
      copyFileSync(join(lab.dir, 'topology-n1-after-cut.png'), KEPT_SCREENSHOT.replace('.png', '-after-cut.png'));
      process.stdout.write(`# cut edge n2-n3 left the page ${goneMs} ms after the cut\n`);
      assert.deepEqual(problems, [], 'no script errors or CSP violations in the page');
    } finally {
      await context.close();
    }
  });
});
