/**
 * The TUN data plane on a real network (issue 7): ordinary tools between
 * members' key-derived addresses across several hops — ping -6, a 50 MB TCP
 * transfer checked by SHA-256, names through the DNS responder — and a
 * spoofed inner source refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminCall } from '../../src/control/client.js';
import { withNativeLinks } from '../../src/bench/config-edit.js';
import { initMesh, nodeConfigPath, startDaemons, waitForDaemons, type Lab } from '../../src/lab/index.js';
import { withLab } from '../helpers/lab.js';
import { waitForFullMembership } from '../helpers/mesh-node.js';

const TUNING = { discoveryIntervalMs: 1000, keepaliveMs: 300, deadAfterMs: 1500 };
const TRANSFER_BYTES = 50 * 1024 * 1024;
const TCP_PORT = 5001;

type Status = {
  address: string;
  dataPlane: { device: string | null; counters: { inSpoofed: number; inDelivered: number } };
  counters: {
    forwarding: { forwarded: number };
    nativeLinks: { forwarded: number; endpoint: { tunBytesRead: number; delivered: number; inSpoofed: number } | null } | null;
  };
};
const socketOf = (lab: Lab, node: string) => join(lab.nodeDir(node), 'skein.sock');
const status = async (lab: Lab, node: string) => (await adminCall(socketOf(lab, node), 'status')) as Status;

async function lineMesh(lab: Lab): Promise<void> {
  initMesh(lab, { tuning: TUNING });
  startDaemons(lab);
  await waitForDaemons(lab);
  await waitForFullMembership(lab);
}

/** Run `argv` in a node, feed it `input`, collect stdout as bytes. */
function run(lab: Lab, node: string, argv: string[], input?: Uint8Array): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const child = lab.spawnIn(node, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let err = '';
  child.stdout?.on('data', (b: Buffer) => out.push(b));
  child.stderr?.on('data', (b: Buffer) => { err += b.toString(); });
  if (input) child.stdin?.end(input);
  else child.stdin?.end();
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err })));
}

test('4-node line: ping -6 to the last node\'s address, a 50 MB TCP transfer with matching SHA-256, ping by name through the DNS responder', async () => {
  await withLab({ nodes: 4, topology: 'line' }, async (lab) => {
    await lineMesh(lab);
    const n4 = await status(lab, 'n4');
    assert.ok(n4.dataPlane.device, 'n4 has a TUN device');
    assert.match(n4.address, /^fd[0-9a-f]{2}:/);

    const ping = await lab.exec('n1', ['ping', '-6', '-c', '3', '-i', '0.2', '-W', '2', n4.address], { timeoutMs: 15_000 });
    assert.equal(ping.code, 0, ping.stdout + ping.stderr);
    assert.match(ping.stdout, /3 received/);

    // 50 MB of random bytes n1 -> n4 over TCP through the mesh; compare digests.
    const data = randomBytes(TRANSFER_BYTES);
    const sent = createHash('sha256').update(data).digest('hex');
    const server = run(lab, 'n4', ['socat', '-u', `TCP6-LISTEN:${TCP_PORT},reuseaddr`, 'STDOUT']);
    await new Promise((r) => setTimeout(r, 500));
    const started = Date.now();
    const client = await run(lab, 'n1', ['socat', '-u', 'STDIN', `TCP6:[${n4.address}]:${TCP_PORT}`], data);
    const received = await server;
    const seconds = (Date.now() - started) / 1000;
    assert.equal(client.code, 0, client.stderr);
    assert.equal(received.stdout.byteLength, TRANSFER_BYTES);
    assert.equal(createHash('sha256').update(received.stdout).digest('hex'), sent);
    // The transfer ran through the native endpoints at both ends (the first packets wait for the session in TypeScript).
    const n1Endpoint = (await status(lab, 'n1')).counters.nativeLinks?.endpoint;
    const n4Endpoint = (await status(lab, 'n4')).counters.nativeLinks?.endpoint;
    assert.ok(n1Endpoint && n1Endpoint.tunBytesRead > TRANSFER_BYTES * 0.9, `n1 sealed the transfer in C: ${JSON.stringify(n1Endpoint)}`);
    assert.ok(n4Endpoint && n4Endpoint.delivered > 100, `n4 delivered it in C: ${JSON.stringify(n4Endpoint)}`);
    process.stdout.write(`# 50 MB over 3 hops in ${seconds.toFixed(1)} s (${((TRANSFER_BYTES * 8) / seconds / 1e6).toFixed(0)} Mbit/s), SHA-256 ${sent.slice(0, 16)}… matches\n`);

    // Names: point n1's resolver at its own DNS responder (ip netns exec bind-mounts /etc/netns/NS/resolv.conf).
    const n1 = await status(lab, 'n1');
    const netnsEtc = join('/etc/netns', lab.namespace('n1'));
    mkdirSync(netnsEtc, { recursive: true });
    try {
      writeFileSync(join(netnsEtc, 'resolv.conf'), `nameserver ${n1.address}\n`);
      const byName = await lab.exec('n1', ['ping', '-6', '-c', '2', '-i', '0.2', '-W', '2', `n4.${lab.name}.skein`], { timeoutMs: 15_000 });
      assert.equal(byName.code, 0, byName.stdout + byName.stderr);
      assert.ok(byName.stdout.includes(n4.address), `resolved to n4's address: ${byName.stdout.split('\n')[0]}`);
    } finally {
      rmSync(netnsEtc, { recursive: true, force: true });
    }
  });
});

test('native and TypeScript links side by side: a 5-node line whose relays alternate between the two carries ping and a 20 MB transfer intact', async () => {
  await withLab({ nodes: 5, topology: 'line' }, async (lab) => {
    initMesh(lab, { tuning: TUNING });
    // n2 and n4 keep the TypeScript path; n1, n3 and n5 hand their links to the native link.
    for (const node of ['n2', 'n4']) {
      const file = nodeConfigPath(lab, node);
      writeFileSync(file, withNativeLinks(readFileSync(file, 'utf8'), false), { mode: 0o600 });
    }
    startDaemons(lab);
    await waitForDaemons(lab);
    await waitForFullMembership(lab);
    const n5 = await status(lab, 'n5');
    const ping = await lab.exec('n1', ['ping', '-6', '-c', '5', '-i', '0.2', '-W', '2', n5.address], { timeoutMs: 15_000 });
    assert.equal(ping.code, 0, ping.stdout + ping.stderr);
    assert.match(ping.stdout, /5 received/);

    const bytes = 20 * 1024 * 1024;
    const data = randomBytes(bytes);
    const server = run(lab, 'n5', ['socat', '-u', `TCP6-LISTEN:${TCP_PORT},reuseaddr`, 'STDOUT']);
    await new Promise((r) => setTimeout(r, 500));
    const client = await run(lab, 'n1', ['socat', '-u', 'STDIN', `TCP6:[${n5.address}]:${TCP_PORT}`], data);
    const received = await server;
    assert.equal(client.code, 0, client.stderr);
    assert.equal(received.stdout.byteLength, bytes);
    assert.equal(createHash('sha256').update(received.stdout).digest('hex'), createHash('sha256').update(data).digest('hex'));

    // 20 MB is over 300 full-size packets one way: the native relay relayed them in C, the TypeScript relays in JavaScript.
    const [n2, n3, n4] = [await status(lab, 'n2'), await status(lab, 'n3'), await status(lab, 'n4')];
    assert.equal(n2.counters.nativeLinks, null);
    assert.equal(n4.counters.nativeLinks, null);
    assert.ok(n2.counters.forwarding.forwarded > 300 && n4.counters.forwarding.forwarded > 300, `TypeScript relays: ${n2.counters.forwarding.forwarded}, ${n4.counters.forwarding.forwarded}`);
    const native = n3.counters.nativeLinks?.forwarded ?? 0;
    assert.ok(native > 300, `native relay n3 relayed ${native} packets in C`);
    assert.ok(native <= n3.counters.forwarding.forwarded, 'counted as forwarded too');
  });
});

test('a packet whose inner source is not its sender\'s address is dropped and counted', async () => {
  await withLab({ nodes: 2, topology: 'line' }, async (lab) => {
    await lineMesh(lab);
    const n2 = await status(lab, 'n2');
    const n1 = await status(lab, 'n1');
    // n1 claims another address of the cluster prefix on its TUN and pings n2 from it.
    const spoofed = n1.address.replace(/:[0-9a-f]+$/, ':beef');
    const add = await lab.exec('n1', ['ip', '-6', 'addr', 'add', `${spoofed}/128`, 'dev', 'skein0', 'nodad']);
    assert.equal(add.code, 0, add.stderr);
    const before = (await status(lab, 'n2')).dataPlane.counters;
    const ping = await lab.exec('n1', ['ping', '-6', '-c', '3', '-i', '0.2', '-W', '1', '-I', spoofed, n2.address], { timeoutMs: 15_000 });
    assert.notEqual(ping.code, 0, 'no reply to a spoofed source');
    const after = (await status(lab, 'n2')).dataPlane.counters;
    assert.ok(after.inSpoofed - before.inSpoofed >= 3, `spoofed packets counted at n2: ${after.inSpoofed - before.inSpoofed}`);
    const endpoint = (await status(lab, 'n2')).counters.nativeLinks?.endpoint;
    // The first waits for the session, and is refused by the TypeScript path.
    assert.ok(endpoint && endpoint.inSpoofed >= 2, `the rest by n2's native endpoint, which judges the session's packets: ${JSON.stringify(endpoint)}`);
    // The genuine address still works.
    const ok = await lab.exec('n1', ['ping', '-6', '-c', '2', '-i', '0.2', '-W', '2', '-I', n1.address, n2.address], { timeoutMs: 15_000 });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  });
});

