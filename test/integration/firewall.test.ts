/**
 * The firewall on a real network: a 4-node line (n1 web, n2 no group, n3
 * admin, n4 db), rules at n4 only. curl from the web node to n4's
 * 5432-like listener works and from the node without the group times out,
 * counted as a drop at n4; the ssh-like port answers admin only; n4's own
 * outbound connection gets its replies through n4's default-deny inbound; a
 * reload that removes the rule cuts an established connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { adminCall } from '../../src/control/client.js';
import { initMesh, nodeConfigPath, startDaemons, waitForDaemons, type Lab } from '../../src/lab/index.js';
import { withLab, type LabTest } from '../helpers/lab.js';
import { waitForFullMembership } from '../helpers/mesh-node.js';
import type { FirewallStatus } from '../../src/control/protocol.js';

const TUNING = { discoveryIntervalMs: 1000, keepaliveMs: 300, deadAfterMs: 1500 };
const CERTIFY = { n1: { groups: ['web'] }, n3: { groups: ['admin'] }, n4: { groups: ['db'] } };
const POSTGRES_RULE = '  { proto = "tcp", port = "5432-5433", group = "web", label = "postgres" },\n';
const SSH_RULE = '  { proto = "tcp", port = 22, group = "admin", label = "ssh" },\n';
const firewallTable = (rules: string) => `\n[firewall]\ninbound = [\n${rules}]\n`;
/** curl gives up connecting after this long: a dropped SYN shows as a timeout (exit 28). */
const CONNECT_TIMEOUT_S = 3;
const CURL_TIMED_OUT = 28;

type Status = { address: string };
const socketOf = (lab: Lab, node: string) => join(lab.nodeDir(node), 'skein.sock');
const addressOf = async (lab: Lab, node: string) => ((await adminCall(socketOf(lab, node), 'status')) as Status).address;
const firewallOf = async (lab: Lab, node: string) => (await adminCall(socketOf(lab, node), 'firewall')) as FirewallStatus;

async function mesh(lab: Lab): Promise<void> {
  initMesh(lab, { tuning: TUNING, certify: CERTIFY });
  appendFileSync(nodeConfigPath(lab, 'n4'), firewallTable(POSTGRES_RULE + SSH_RULE));
  startDaemons(lab);
  await waitForDaemons(lab);
  await waitForFullMembership(lab);
}

/**
 * A one-line HTTP answer on `port`, for every connection (socat forks per
 * connection; the reply is a file, as socat unescapes its address text). The
 * request is read to its blank line first: closing a socket with unread data
 * sends a reset, which can cost the client the answer.
 */
function httpListener(lab: Lab, t: LabTest, node: string, port: number, body: string): void {
  const script = join(lab.dir, `reply-${node}-${port}.sh`);
  const readRequest = `while IFS= read -r line; do [ "$line" = "$(printf '\\r')" ] && break; done`;
  writeFileSync(script, `${readRequest}\nprintf 'HTTP/1.0 200 OK\\r\\nContent-Length: ${body.length + 1}\\r\\n\\r\\n${body}\\n'\n`);
  t.start(node, ['socat', `TCP6-LISTEN:${port},reuseaddr,fork`, `EXEC:sh ${script}`], { label: `${node} :${port}` });
}

function curl(lab: Lab, node: string, address: string, port: number) {
  return lab.exec(node, ['curl', '-s', '-6', '--connect-timeout', String(CONNECT_TIMEOUT_S), '-m', String(CONNECT_TIMEOUT_S + 3), `http://[${address}]:${port}/`], { timeoutMs: 15_000 });
}

/** Resolves with stdout once it contains `text`, or with what came when `ms` passed. */
function waitForOutput(child: ChildProcess, text: string, ms: number, seen: { out: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => { child.stdout?.off('data', on); resolve(seen.out.includes(text)); }, ms);
    const on = () => { if (seen.out.includes(text)) { clearTimeout(timer); child.stdout?.off('data', on); resolve(true); } };
    child.stdout?.on('data', on);
    on();
  });
}

test('4-node line with web, admin and db groups: rules by group at the db node, replies of its own connections, a reload that cuts an established flow', async () => {
  await withLab({ nodes: 4, topology: 'line' }, async (lab, t) => {
    await mesh(lab);
    const db = await addressOf(lab, 'n4');
    const n2 = await addressOf(lab, 'n2');
    httpListener(lab, t, 'n4', 5432, 'pg-ok');
    httpListener(lab, t, 'n4', 22, 'ssh-ok');
    t.start('n4', ['socat', 'TCP6-LISTEN:5433,reuseaddr,fork', 'EXEC:cat'], { label: 'n4 :5433 echo' });
    httpListener(lab, t, 'n2', 8080, 'n2-ok');
    await new Promise((r) => setTimeout(r, 500));

    // The web node reaches the db port; the node without the group times out and is counted at n4.
    const web = await curl(lab, 'n1', db, 5432);
    assert.equal(web.code, 0, `n1 (web) → n4:5432: ${web.stderr}`);
    assert.equal(web.stdout.trim(), 'pg-ok');
    const before = (await firewallOf(lab, 'n4')).drops.inbound.default;
    const stranger = await curl(lab, 'n2', db, 5432);
    assert.equal(stranger.code, CURL_TIMED_OUT, `n2 (no group) → n4:5432 must time out: exit ${stranger.code} ${stranger.stdout}`);
    const fw = await firewallOf(lab, 'n4');
    assert.ok(fw.drops.inbound.default > before, `n4 counted n2's SYNs as drops: ${fw.drops.inbound.default - before}`);
    assert.equal(fw.defaults.inbound, 'deny');
    process.stdout.write(`# n4 dropped ${fw.drops.inbound.default - before} packets of n2's connection attempt; ${fw.flows.tracked} flows tracked\n`);

    // ssh-like port: admin only.
    const admin = await curl(lab, 'n3', db, 22);
    assert.equal(admin.code, 0, `n3 (admin) → n4:22: ${admin.stderr}`);
    assert.equal(admin.stdout.trim(), 'ssh-ok');
    assert.equal((await curl(lab, 'n1', db, 22)).code, CURL_TIMED_OUT, 'n1 (web) → n4:22 must time out');

    // n4's own connection out: its replies pass n4's default-deny inbound as a tracked flow.
    const out = await curl(lab, 'n4', n2, 8080);
    assert.equal(out.code, 0, `n4 → n2:8080: ${out.stderr}`);
    assert.equal(out.stdout.trim(), 'n2-ok');
    // And ping from n4 gets its echo replies, while nobody may ping n4 (no icmp rule).
    const ping = await lab.exec('n4', ['ping', '-6', '-c', '2', '-i', '0.2', '-W', '2', n2], { timeoutMs: 10_000 });
    assert.equal(ping.code, 0, ping.stdout + ping.stderr);
    const pingIn = await lab.exec('n2', ['ping', '-6', '-c', '2', '-i', '0.2', '-W', '1', db], { timeoutMs: 10_000 });
    assert.notEqual(pingIn.code, 0, 'an echo request to n4 has no rule');

    // An established connection n1 → n4:5433 (an echo), then a reload without the rule cuts it.
    const client = lab.spawnIn('n1', ['socat', '-', `TCP6:[${db}]:5433,connect-timeout=${CONNECT_TIMEOUT_S}`], { stdio: ['pipe', 'pipe', 'pipe'] });
    const seen = { out: '' };
    client.stdout?.on('data', (b: Buffer) => { seen.out += b.toString(); });
    try {
      client.stdin?.write('first\n');
      assert.ok(await waitForOutput(client, 'first', 10_000, seen), `the echo answers before the reload: ${JSON.stringify(seen.out)}`);
      const file = nodeConfigPath(lab, 'n4');
      writeFileSync(file, readFileSync(file, 'utf8').replace(firewallTable(POSTGRES_RULE + SSH_RULE), firewallTable(SSH_RULE)));
      await adminCall(socketOf(lab, 'n4'), 'reload');
      const cutBefore = (await firewallOf(lab, 'n4')).drops.inbound.cut;
      client.stdin?.write('second\n');
      assert.equal(await waitForOutput(client, 'second', 3_000, seen), false, 'no echo after the reload');
      const after = await firewallOf(lab, 'n4');
      assert.ok(after.drops.inbound.cut > cutBefore, `n4 dropped the cut flow's packets: ${after.drops.inbound.cut - cutBefore}`);
      assert.ok(after.flows.cut >= 1, 'the flow is held as cut');
      assert.equal(after.rules.some((r) => r.label === 'postgres'), false);
      assert.equal((await curl(lab, 'n1', db, 5432)).code, CURL_TIMED_OUT, 'a new connection has no rule either');
    } finally {
      client.kill('SIGKILL');
    }
  });
});

type EndpointStatus = { counters: { nativeLinks: { endpoint: { sent: number; delivered: number } | null } | null } };
const endpointOf = async (lab: Lab, node: string) => {
  const s = (await adminCall(socketOf(lab, node), 'status')) as EndpointStatus;
  const endpoint = s.counters.nativeLinks?.endpoint;
  assert.ok(endpoint, `${node} runs the native endpoint`);
  return endpoint;
};

test('without rules TUN traffic runs through the native endpoint; a reload that adds rules applies them to it at once, and one that removes them gives the fast path back', async () => {
  await withLab({ nodes: 2, topology: 'line' }, async (lab) => {
    initMesh(lab, { tuning: TUNING, certify: { n1: { groups: ['web'] } } });
    startDaemons(lab);
    await waitForDaemons(lab);
    await waitForFullMembership(lab);
    const n2 = await addressOf(lab, 'n2');
    const ping = () => lab.exec('n1', ['ping', '-6', '-c', '3', '-i', '0.2', '-W', '1', n2], { timeoutMs: 10_000 });

    assert.equal((await ping()).code, 0, 'n1 pings n2 without rules');
    const open = await endpointOf(lab, 'n2');
    assert.ok(open.delivered >= 2 && open.sent >= 2, `n2's endpoint carried the echoes in C: ${JSON.stringify(open)}`);

    // Rules at n2: default-deny inbound, ssh for admins only. No echo request passes any more, however it travels.
    const file = nodeConfigPath(lab, 'n2');
    const plain = readFileSync(file, 'utf8');
    writeFileSync(file, plain + firewallTable(SSH_RULE));
    await adminCall(socketOf(lab, 'n2'), 'reload');
    const dropsBefore = (await firewallOf(lab, 'n2')).drops.inbound.default;
    const denied = await ping();
    assert.notEqual(denied.code, 0, `n1's pings are refused at n2 right after the reload: ${denied.stdout}`);
    const closed = await endpointOf(lab, 'n2');
    assert.equal(closed.delivered, open.delivered, 'nothing more was delivered in C while n2 has rules');
    assert.ok((await firewallOf(lab, 'n2')).drops.inbound.default - dropsBefore >= 3, 'the firewall judged and dropped each echo request');

    writeFileSync(file, plain);
    await adminCall(socketOf(lab, 'n2'), 'reload');
    assert.equal((await ping()).code, 0, 'pings pass again once the rules are gone');
    const reopened = await endpointOf(lab, 'n2');
    assert.ok(reopened.delivered > closed.delivered, `and run in C again: ${closed.delivered} -> ${reopened.delivered}`);
  });
});
