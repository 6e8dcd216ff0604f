/**
 * The real daemon with [metrics] and [web] on loopback (port 0): two nodes
 * linked as static peers (over the in-memory transport, in virtual time;
 * the HTTP endpoints, the admin socket and `skein web` are real); the
 * scrape shows the link and the member, the admin API and `skein web` give
 * the page's URL, and stop closes both endpoints. No root needed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { adminCall } from '../../src/control/client.js';
import { loadConfig } from '../../src/node/config.js';
import { finished, spawnSkein } from '../helpers/cli.js';
import { makeStaticNode, makeTestCa, withVirtualDaemonTestbed } from '../helpers/static-nodes.js';

/** A port free right now on loopback (the metrics URL is not in the admin API, so the test picks it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('a daemon serves metrics and the topology page; admin `web` and `skein web` print the URL', () =>
  withVirtualDaemonTestbed('skein-observe-', async (bed) => {
    const caDir = makeTestCa(join(bed.root, 'ca'), 'obs');
    const metricsPort = await freePort();
    const aConfig = makeStaticNode(bed.root, caDir, 'alpha', [], `\n[metrics]\nlisten = "127.0.0.1:${metricsPort}"\n\n[web]\nlisten = "127.0.0.1:0"\n`);
    const a = await bed.start(aConfig);
    await bed.start(makeStaticNode(bed.root, caDir, 'beta', [`127.0.0.1:${a.links.port}`]));
    await bed.waitFor(() => a.routing.members().length === 2, { timeoutMs: 10_000, what: 'alpha to learn beta' });

    const socket = loadConfig(aConfig).admin.socket;
    const { url } = (await adminCall(socket, 'web')) as { url: string };
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    const graph = (await (await fetch(url.replace('/?', '/api/graph?'))).json()) as { nodes: Array<{ name: string }>; edges: unknown[] };
    assert.deepEqual(graph.nodes.map((n) => n.name).sort(), ['alpha', 'beta']);
    assert.equal(graph.edges.length, 1);

    const cli = await finished(spawnSkein(['web', '--config', aConfig]));
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.stdout.trim(), url);
    const off = await finished(spawnSkein(['web', '--config', join(bed.root, 'beta', 'skein.toml')]));
    assert.equal(off.code, 1);
    assert.match(off.stderr, /topology page is off: add a \[web\] section/);

    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.match(text, /^skein_links 1$/m);
    assert.match(text, /^skein_members 2$/m);
    assert.match(text, /^skein_link_received_bytes_total\{peer="beta",interface="inbound"\} [1-9]\d*$/m);
    assert.match(text, /^skein_route_changes_total [1-9]/m, 'learning beta was a route change');

    await bed.stop(a);
    await assert.rejects(fetch(url), /fetch failed/, 'the page stops with the node');
    await assert.rejects(fetch(`http://127.0.0.1:${metricsPort}/metrics`), /fetch failed/);
  }));
