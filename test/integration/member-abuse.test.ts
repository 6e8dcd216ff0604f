/**
 * A valid member abusing its membership, on a real network: a line
 * n1 - n2 - n3 - n4 where n1..n3 run skein daemons and n4 runs a hostile
 * member (fixtures/hostile-member.ts: the library's cores, a certificate
 * from this lab's CA) linked to its victim n3. For ATTACK_MS it replays
 * unreachable reports, spoofs handshake sources (claiming to be n1), storms
 * records with spaced issue times and sends empty summaries, all at once.
 *
 * Shown: the victim's and the relay's CPU for the attack window (utime +
 * stime from /proc/PID/stat) stay within stated budgets, a genuine session
 * from n1 to the victim comes up and carries pings during the attack, and no
 * node's route (next hop, hops, path) changes because of it: during the
 * attack none at all, after it (the attacker has left) none between the others.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { adminCall } from '../../src/control/client.js';
import { initMesh, meshEnv, startDaemons, waitForDaemons, type Lab } from '../../src/lab/index.js';
import { DEFAULT_ROUTING_OPTIONS } from '../../src/routing/options.js';
import { DEFAULT_UNREACHABLE_INBOX_LIMITS } from '../../src/dataplane/unreachable-inbox.js';
import { withLab } from '../helpers/lab.js';
import { waitFor } from '../helpers/wait.js';
import { cpuSeconds } from '../helpers/proc.js';
import type { MemberInfo } from '../../src/control/protocol.js';

const HOSTILE = join(import.meta.dirname, 'fixtures', 'hostile-member.ts');
const TUNING = { discoveryIntervalMs: 1000, keepaliveMs: 300, deadAfterMs: 1500 };
const DAEMONS = ['n1', 'n2', 'n3'];
const ATTACK_MS = 10_000;
const PINGS = 16;
const PING_INTERVAL_S = 0.5;
/**
 * CPU budgets for the attack window, in share of one core: about twice what
 * the bounded victim measures on a shared 2-core machine, and below what the
 * same attack cost before the bounds (the victim near half a core, while its
 * new session with n1 was starved of handshakes).
 */
const VICTIM_CPU_BUDGET = 0.3;
const RELAY_CPU_BUDGET = 0.15;
/** Records of the honest members the victim may accept meanwhile (refreshes, RTT-driven cost changes). */
const OTHER_RECORDS_SLACK = 30;

const socketOf = (lab: Lab, node: string) => join(lab.nodeDir(node), 'skein.sock');
const members = async (lab: Lab, node: string) => (await adminCall(socketOf(lab, node), 'nodes')) as MemberInfo[];
interface Status {
  pid: number;
  id: string;
  listenPort: number;
  counters: {
    routing: Record<string, number>;
    sessions: { handshakesResponded: number; drops: Record<string, number> };
    unreachables: { accepted: number; signatureChecks: number; drops: Record<string, number> };
  };
}
const status = async (lab: Lab, node: string) => (await adminCall(socketOf(lab, node), 'status')) as Status;

/** Each node's route to each member as next hop, hops and path (cost follows measured RTT, so it may move). */
async function paths(lab: Lab): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const n of DAEMONS) {
    for (const m of await members(lab, n)) if (!m.self) out[`${n}->${m.name}`] = `${m.nextHopName} ${m.hops} ${m.path.join(',')}`;
  }
  return out;
}

test('a member replaying reports, spoofing handshakes, storming records and sending empty summaries costs its neighbours a bounded share', async () => {
  await withLab({ nodes: 4, topology: 'line' }, async (lab, t) => {
    initMesh(lab, { tuning: TUNING });
    startDaemons(lab, DAEMONS);
    await waitForDaemons(lab, DAEMONS);
    await waitFor(async () => {
      for (const n of DAEMONS) if ((await members(lab, n)).length !== DAEMONS.length) return false;
      return true;
    }, { timeoutMs: 20_000, what: 'n1..n3 to list each other' });

    const victim = await status(lab, 'n3');
    const relay = await status(lab, 'n2');
    const n1 = await status(lab, 'n1');
    const labStatus = await lab.status();
    const toN4 = labStatus.nodes.find((n) => n.name === 'n3')!.interfaces.find((i) => i.ifname === `${lab.name}-n4`)!;
    assert.ok(toN4.linkLocal, 'the victim has a link-local address towards n4');
    const victimHost = `${toN4.linkLocal!.split('/')[0]}%${lab.name}-n3`;
    const hostile = t.start('n4', [process.execPath, '--import', import.meta.resolve('tsx'), HOSTILE, lab.nodeDir('n4'), victimHost, String(victim.listenPort), n1.id, String(ATTACK_MS)], {
      label: 'hostile member', stdio: ['pipe', 'pipe', 'pipe'],
    });
    await hostile.waitForLine(/"session"/, 15_000);
    await waitFor(async () => {
      for (const n of DAEMONS) if (!(await members(lab, n)).some((m) => m.name === 'n4')) return false;
      return true;
    }, { timeoutMs: 15_000, what: 'every daemon to route to the hostile member' });
    const before = await paths(lab);
    const countedFrom = performance.now();
    const victimBefore = await status(lab, 'n3');

    const cpu0 = { victim: cpuSeconds(victim.pid), relay: cpuSeconds(relay.pid) };
    const t0 = performance.now();
    hostile.child.stdin!.write('attack\n');
    await hostile.waitForLine(/"attacking"/, 5_000);
    // A session n1 -> n3 that did not exist before: its handshake arrives while junk inits claim to be n1.
    const ping = lab.exec('n1', ['skein', 'ping', 'n3', '-c', String(PINGS), '-i', String(PING_INTERVAL_S), '--json'], { env: meshEnv(lab, 'n1'), timeoutMs: ATTACK_MS + 20_000 });
    await new Promise((r) => setTimeout(r, ATTACK_MS * 0.7));
    const routesDuring = await paths(lab);
    const doneLine = await hostile.waitForLine(/"done"/, ATTACK_MS + 10_000);
    const windowS = (performance.now() - t0) / 1000;
    const cpu = { victim: (cpuSeconds(victim.pid) - cpu0.victim) / windowS, relay: (cpuSeconds(relay.pid) - cpu0.relay) / windowS };
    const pinged = await ping;
    const sent = JSON.parse(doneLine) as Record<string, number>;
    const after = await status(lab, 'n3');
    const countedS = (performance.now() - countedFrom) / 1000;
    // The hostile member leaves once done: routes to it go, routes between the others must not have moved.
    const routesAfter = await paths(lab);
    const honest = (r: Record<string, string>) => Object.fromEntries(Object.entries(r).filter(([k]) => !k.endsWith('->n4')));

    const delta = (k: string) => (after.counters.routing[k] ?? 0) - (victimBefore.counters.routing[k] ?? 0);
    const u = after.counters.unreachables;
    const s = after.counters.sessions;
    process.stdout.write([
      `# attack window ${windowS.toFixed(1)} s; hostile sent ${JSON.stringify(sent)}`,
      `# CPU, share of one core: victim n3 ${(cpu.victim * 100).toFixed(1)} % (budget ${VICTIM_CPU_BUDGET * 100} %), relay n2 ${(cpu.relay * 100).toFixed(1)} % (budget ${RELAY_CPU_BUDGET * 100} %)`,
      `# victim unreachables: accepted ${u.accepted}, signature checks ${u.signatureChecks}, drops ${JSON.stringify(u.drops)}`,
      `# victim sessions: handshakes responded ${s.handshakesResponded}, rate-limited ${s.drops['rate-limited']}, identity-mismatch ${s.drops['identity-mismatch']}`,
      `# victim routing: records accepted +${delta('recordsAccepted')}, rate-limited +${delta('rateLimited')}, summaries unanswered +${delta('summariesRateLimited')}, summary replies suppressed +${delta('summaryRepliesSuppressed')}, bytes sent +${delta('bytesSent')}`,
      `# ping n1 -> n3 during the attack: ${JSON.stringify((JSON.parse(pinged.stdout) as { summary: unknown }).summary)}`,
      '',
    ].join('\n'));

    assert.equal(pinged.code, 0, pinged.stderr);
    const summary = (JSON.parse(pinged.stdout) as { summary: { received: number } }).summary;
    assert.ok(summary.received >= PINGS - 1, `the victim's new session with n1 carried ${summary.received} of ${PINGS} pings during the attack`);
    assert.ok(cpu.victim <= VICTIM_CPU_BUDGET, `victim CPU ${(cpu.victim * 100).toFixed(1)} % of a core`);
    assert.ok(cpu.relay <= RELAY_CPU_BUDGET, `relay CPU ${(cpu.relay * 100).toFixed(1)} % of a core`);
    assert.ok(sent.replays! > 10_000, 'the attack really ran');
    const { perLink } = DEFAULT_UNREACHABLE_INBOX_LIMITS;
    assert.ok(u.signatureChecks <= perLink.burst + perLink.perSecond * windowS, `${u.signatureChecks} signature checks for ${sent.replays! + sent.forged!} reports`);
    assert.ok(u.accepted <= 1, 'the replayed report is accepted at most once');
    const allowedRecords = DEFAULT_ROUTING_OPTIONS.recordBurst + Math.ceil((countedS * 1000) / DEFAULT_ROUTING_OPTIONS.minRecordArrivalMs) + OTHER_RECORDS_SLACK;
    assert.ok(delta('recordsAccepted') <= allowedRecords, `${delta('recordsAccepted')} records accepted in ${countedS.toFixed(1)} s while ${sent.records} were stormed (budget ${allowedRecords})`);
    assert.deepEqual(routesDuring, before, 'no node\'s route (the attacker\'s own included) changed during the attack');
    assert.deepEqual(honest(routesAfter), honest(before), 'nor between the honest members after it');
  });
});
