/**
 * Inspecting and probing the mesh through a running node: nodes, routes,
 * sessions, ping, trace. Human tables by default, the admin API's JSON with
 * --json (same field names).
 */
import { type Command, Option } from 'commander';
import { adminQuery, adminStream } from '../../control/client.js';
import { ErrorCodes, SkeinError } from '../../util/errors.js';
import { addTargetOptions, resolveAdminSocket, type TargetOptions } from '../daemon-target.js';
import { CliExit, printJson, printTable } from '../output.js';
import { compareNameClaims } from '../../node/member-names.js';
import { formatDuration } from './node.js';
import type { MemberInfo, PingEvent } from '../../control/protocol.js';

interface JsonOption { json?: boolean }

function positiveInt(name: string, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > max) throw new SkeinError(ErrorCodes.USAGE, `${name} must be a whole number from 0 to ${max}, got '${v}'`);
    return n;
  };
}

function seconds(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0.01 || n > 3600) throw new SkeinError(ErrorCodes.USAGE, `${name} must be seconds from 0.01 to 3600, got '${v}'`);
    return Math.round(n * 1000);
  };
}

/** The entries of a hosts-file block: `address name…` lines, comments skipped. */
export function hostsEntries(block: string): Array<{ address: string; names: string[] }> {
  return block.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean).map((l) => {
    const [address = '', ...names] = l.split(/\s+/);
    return { address, names };
  });
}

async function nodes(opts: TargetOptions & JsonOption): Promise<void> {
  const list = await adminQuery(resolveAdminSocket(opts), 'nodes');
  if (opts.json) return printJson(list);
  const holderOf = (name: string) => list.filter((m) => m.name === name).sort(compareNameClaims)[0]?.id;
  const label = (m: MemberInfo) => {
    const self = m.self ? ' (self)' : '';
    if (!m.nameConflict) return `${m.name}${self}`;
    return `${m.name}${self} ${holderOf(m.name) === m.id ? '[CONFLICT: holds the name]' : '[CONFLICT]'}`;
  };
  printTable(['name', 'id', 'address', 'hops', 'cost', 'next hop', 'record age'], list.map((m) => [
    label(m), m.id.slice(0, 8), m.address, String(m.hops), m.self ? '-' : String(Math.round(m.cost)), m.nextHopName ?? '-', formatDuration(m.ageMs),
  ]));
  const clashing = [...new Set(list.filter((m) => m.nameConflict).map((m) => m.name))];
  for (const name of clashing) {
    process.stdout.write(`\nname conflict: '${name}' is certified to ${list.filter((m) => m.name === name).length} members; ${holderOf(name)?.slice(0, 8) ?? '?'} holds it (the newest certificate). Revoke the stale key to end the conflict.\n`);
  }
}

async function routes(opts: TargetOptions & JsonOption): Promise<void> {
  const list = await adminQuery(resolveAdminSocket(opts), 'routes');
  if (opts.json) return printJson(list);
  if (list.length === 0) return void process.stdout.write('no routes\n');
  const members = await adminQuery(resolveAdminSocket(opts), 'nodes');
  const nameOf = (id: string) => members.find((m) => m.id === id)?.name ?? id.slice(0, 8);
  printTable(['destination', 'next hop', 'hops', 'cost', 'path'], list.map((r) => [r.destination, r.nextHop ?? '-', String(r.hops), String(Math.round(r.cost)), r.path.map(nameOf).join(' > ')]));
}

async function sessions(opts: TargetOptions & JsonOption): Promise<void> {
  const list = await adminQuery(resolveAdminSocket(opts), 'sessions');
  if (opts.json) return printJson(list);
  if (list.length === 0) return void process.stdout.write('no sessions\n');
  printTable(['peer', 'id', 'role', 'key age', 'state', 'queued'], list.map((s) => [
    s.name ?? '?', s.peer.slice(0, 8), s.role ?? '-', s.sessionAgeMs === undefined ? '-' : formatDuration(s.sessionAgeMs), s.handshaking ? 'handshaking' : 'established', String(s.queued),
  ]));
}

async function ping(target: string, opts: TargetOptions & JsonOption & { count: number; interval: number; timeout: number; size: number; pattern?: string }): Promise<void> {
  const events: PingEvent[] = [];
  let failure: { code: string; message: string } | undefined;
  const s = await adminStream(resolveAdminSocket(opts), 'ping', { target, count: opts.count, intervalMs: opts.interval, timeoutMs: opts.timeout, size: opts.size, ...(opts.pattern ? { pattern: opts.pattern } : {}) }, (raw) => {
    const e = raw as PingEvent | { type: 'error'; code: string; message: string };
    if (e.type === 'error') {
      failure = e;
      s.stop();
      return;
    }
    events.push(e);
    if (!opts.json) {
      if (e.type === 'reply') process.stdout.write(`reply from ${e.from}: seq=${e.seq} hops=${e.hops} time=${e.rttMs.toFixed(3)} ms\n`);
      else if (e.type === 'timeout') process.stdout.write(`no reply: seq=${e.seq}\n`);
      else process.stdout.write(`--- ${e.target} (${e.id.slice(0, 8)}) mesh ping ---\n${e.transmitted} sent, ${e.received} received, ${e.lossPercent}% loss${e.minMs !== null ? `, rtt min/avg/max = ${e.minMs}/${e.avgMs}/${e.maxMs} ms` : ''}\n`);
    }
    if (e.type === 'summary') s.stop();
  });
  process.once('SIGINT', () => s.stop());
  await s.done;
  if (failure) throw new SkeinError(ErrorCodes.USAGE, failure.message);
  if (opts.json) printJson({ replies: events.filter((e) => e.type === 'reply'), summary: events.find((e) => e.type === 'summary') ?? null });
  const summary = events.find((e) => e.type === 'summary');
  if (!summary || summary.type !== 'summary' || summary.received === 0) throw new CliExit(1);
}

async function trace(target: string, opts: TargetOptions & JsonOption & { maxHops: number; timeout: number }): Promise<void> {
  const r = await adminQuery(resolveAdminSocket(opts), 'trace', { target, maxHops: opts.maxHops, timeoutMs: opts.timeout }, opts.timeout * (opts.maxHops + 2) + 5000);
  if (opts.json) return printJson(r);
  process.stdout.write(`trace to ${r.target} (${r.id.slice(0, 8)}), ${opts.maxHops} hops max\n`);
  for (const h of r.hops) process.stdout.write(`${String(h.hop).padStart(3)}  ${h.name ?? '*'}${h.id ? ` (${h.id.slice(0, 8)})` : ''}  ${h.rttMs === null ? '*' : `${h.rttMs.toFixed(3)} ms`}\n`);
  if (!r.hops.some((h) => h.reached)) throw new CliExit(1);
}

export function registerMeshCommands(program: Command): void {
  addTargetOptions(program.command('hosts').description('a hosts-file block (NAME.<cluster>.skein → address) for systems without the DNS responder'))
    .option('--json', 'machine-readable (array of {address, names})')
    .addHelpText('after', '\nExample:\n  skein hosts | sudo tee -a /etc/hosts')
    .action(async (o: TargetOptions & JsonOption) => {
      const block = await adminQuery(resolveAdminSocket(o), 'hosts');
      if (o.json) return printJson(hostsEntries(block));
      process.stdout.write(block);
    });
  addTargetOptions(program.command('nodes').description('every member reachable through the mesh: hops, cost, next hop, record age'))
    .option('--json', 'machine-readable (array of {name, id, address, hops, cost, nextHop, nextHopName, path, ageMs, self})')
    .addHelpText('after', '\nExample:\n  skein nodes --config /etc/skein/skein.toml\n  skein lab exec n1 -- skein nodes --json')
    .action(nodes);
  addTargetOptions(program.command('routes').description('the route table: destination, next hop, hops, cost, path'))
    .option('--json', 'machine-readable')
    .addHelpText('after', '\nExample:\n  skein routes\n  skein routes --json | jq \'.[] | select(.hops > 2)\'')
    .action(routes);
  addTargetOptions(program.command('sessions').description('end-to-end sessions with other members'))
    .option('--json', 'machine-readable')
    .addHelpText('after', '\nExample:\n  skein sessions')
    .action(sessions);
  addTargetOptions(program.command('ping').description('end-to-end echo through the mesh, inside the encrypted session').argument('<target>', 'member name or id'))
    .option('-c, --count <n>', 'number of echo requests', positiveInt('--count', 100_000), 4)
    .addOption(new Option('-i, --interval <s>', 'seconds between requests').argParser(seconds('--interval')).default(1000, '1'))
    .addOption(new Option('-W, --timeout <s>', 'seconds to wait for each reply').argParser(seconds('--timeout')).default(2000, '2'))
    .option('-s, --size <bytes>', 'padding bytes per request', positiveInt('--size', 60_000), 56)
    .option('-p, --pattern <text>', 'fill the padding with this text, repeated')
    .option('--json', 'machine-readable ({replies, summary})')
    .addHelpText('after', '\nExample:\n  skein ping n4 -c 3\n  skein lab exec n1 -- skein ping n4 --json')
    .action(ping);
  addTargetOptions(program.command('trace').description('the path to a member, hop by hop, with per-hop RTT').argument('<target>', 'member name or id'))
    .option('-m, --max-hops <n>', 'give up after this many hops', positiveInt('--max-hops', 64), 30)
    .addOption(new Option('-W, --timeout <s>', 'seconds to wait per hop').argParser(seconds('--timeout')).default(2000, '2'))
    .option('--json', 'machine-readable')
    .addHelpText('after', '\nExample:\n  skein trace n4\n  skein trace 76723576a1b2c3d4e5f60718293a4b5c --json')
    .action(trace);
}
