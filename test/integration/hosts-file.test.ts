/**
 * Members' names through the system resolver by way of the hosts file
 * (`[dns] hosts_file = true`): in a 3-node line, n1 keeps its members in a
 * marked block of its namespace's hosts file, and `getent ahosts
 * n3.<cluster>.skein` run in n1 finds n3's address. `ip netns exec` (how
 * a lab runs a program) bind-mounts /etc/netns/NS/hosts over /etc/hosts,
 * so the node's hosts_file_path is that file: a per-namespace /etc/hosts.
 * When the daemon stops, its block goes and the other lines stay.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminCall } from '../../src/control/client.js';
import { initMesh, nodeConfigPath, startDaemons, waitForDaemons, type Lab } from '../../src/lab/index.js';
import { withLab } from '../helpers/lab.js';
import { waitForFullMembership } from '../helpers/mesh-node.js';

const TUNING = { discoveryIntervalMs: 1000, keepaliveMs: 300, deadAfterMs: 1500 };
const OTHER_LINES = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n# a line the daemon must leave alone\n';
const WAIT_MS = 15_000;

type Status = { address: string; pid: number };
const status = async (lab: Lab, node: string) => (await adminCall(join(lab.nodeDir(node), 'skein.sock'), 'status')) as Status;

async function waitFor(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`${what} within ${WAIT_MS} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('getent ahosts finds a member by name through the hosts-file block; the block goes when the daemon stops', async () => {
  await withLab({ nodes: 3, topology: 'line' }, async (lab) => {
    const netnsEtc = join('/etc/netns', lab.namespace('n1'));
    const hostsFile = join(netnsEtc, 'hosts');
    mkdirSync(netnsEtc, { recursive: true });
    try {
      writeFileSync(hostsFile, OTHER_LINES);
      initMesh(lab, { tuning: TUNING });
      appendFileSync(nodeConfigPath(lab, 'n1'), `\n[dns]\nhosts_file = true\nhosts_file_path = ${JSON.stringify(hostsFile)}\n`);
      startDaemons(lab);
      await waitForDaemons(lab);
      await waitForFullMembership(lab);
      const n3 = await status(lab, 'n3');
      const name = `n3.${lab.name}.skein`;
      await waitFor(`${name} in ${hostsFile}`, () => readFileSync(hostsFile, 'utf8').includes(name));

      const text = readFileSync(hostsFile, 'utf8');
      assert.ok(text.startsWith(OTHER_LINES), `the other lines first, unchanged:\n${text}`);
      assert.match(text, new RegExp(`^# BEGIN skein ${lab.name}\\n(?:\\S+ n\\d\\.${lab.name}\\.skein\\n){3}# END skein ${lab.name}\\n$`, 'm'));

      const getent = await lab.exec('n1', ['getent', 'ahosts', name], { timeoutMs: 10_000 });
      process.stdout.write(`# n1$ getent ahosts ${name}\n${getent.stdout.trimEnd().split('\n').map((l) => `#   ${l}`).join('\n')}\n`);
      assert.equal(getent.code, 0, getent.stdout + getent.stderr);
      assert.equal(getent.stdout.split('\n')[0]?.split(/\s+/)[0], n3.address);

      // Stopped (SIGTERM), the daemon removes its block and nothing else.
      process.kill((await status(lab, 'n1')).pid, 'SIGTERM');
      await waitFor('the block removed at exit', () => !readFileSync(hostsFile, 'utf8').includes('# BEGIN skein'));
      assert.equal(readFileSync(hostsFile, 'utf8'), OTHER_LINES);
      const gone = await lab.exec('n1', ['getent', 'ahosts', name], { timeoutMs: 10_000 });
      assert.notEqual(gone.code, 0, 'the name is gone with the block');
    } finally {
      rmSync(netnsEtc, { recursive: true, force: true });
    }
  });
});
