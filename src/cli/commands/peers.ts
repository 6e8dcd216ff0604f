/**
 * `skein peers`: the node's static peers (configured and added at run time)
 * with their state, the address tried, the last error and the next retry;
 * `skein peers add|remove ADDRESS` change the list of a running node until
 * it restarts (like `yggdrasilctl addPeer`): the config file is not touched.
 */
import type { Command } from 'commander';
import { adminQuery } from '../../control/client.js';
import type { StaticPeerStatus } from '../../control/protocol.js';
import { addTargetOptions, resolveAdminSocket, type TargetOptions } from '../daemon-target.js';
import { printJson } from '../output.js';
import { formatTable } from '../../util/table.js';
import { formatDuration } from '../duration.js';

interface JsonOption { json?: boolean }

const UNTIL_RESTART = 'until the node restarts (the config file is not changed: add it to `peers` there to keep it)';

/** `in 4s`, `5m02s ago`: a time relative to now. */
function relative(iso: string, nowMs: number): string {
  const delta = Date.parse(iso) - nowMs;
  return delta >= 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`;
}

function stateText(p: StaticPeerStatus): string {
  if (p.state === 'linked') return `linked to ${p.linkedTo?.name ?? '?'}`;
  return p.state === 'backing-off' ? 'backing off' : 'connecting';
}

/** The peers as an aligned table, or a line saying there are none. */
export function formatPeers(list: readonly StaticPeerStatus[], nowMs: number): string {
  if (list.length === 0) return 'no static peers (configure `peers` in the config, or: skein peers add HOST:PORT)\n';
  const rows = list.map((p) => [
    p.address,
    [p.name ? `name ${p.name}` : '', p.id ? `id ${p.id.slice(0, 8)}` : ''].filter(Boolean).join(', ') || '-',
    p.source,
    stateText(p),
    p.tried,
    String(p.failures),
    p.lastError ? `${p.lastError.message} (${p.lastError.code}, ${relative(p.lastError.at, nowMs)})` : '-',
    p.nextRetryAt ? relative(p.nextRetryAt, nowMs) : '-',
  ]);
  return `${formatTable(['address', 'pinned', 'source', 'state', 'tried', 'failures', 'last error', 'next retry'], rows)}\n`;
}

async function list(opts: TargetOptions & JsonOption): Promise<void> {
  const peers = await adminQuery(resolveAdminSocket(opts), 'peers');
  if (opts.json) return printJson(peers);
  process.stdout.write(formatPeers(peers, Date.now()));
}

/** `skein peers --config F add …` and `skein peers add … --config F` both name the node. */
function withParent<T extends object>(opts: T, cmd: Command): T {
  return { ...(cmd.parent?.opts() ?? {}), ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) } as T;
}

async function add(address: string, given: TargetOptions & JsonOption & { name?: string; id?: string }, cmd: Command): Promise<void> {
  const opts = withParent(given, cmd);
  const peer = await adminQuery(resolveAdminSocket(opts), 'peers.add', { address, name: opts.name, id: opts.id });
  if (opts.json) return printJson({ added: peer, untilRestart: true });
  process.stdout.write(`added static peer ${peer.address}; dialing it now. Kept ${UNTIL_RESTART}.\n`);
}

async function remove(address: string, given: TargetOptions & JsonOption, cmd: Command): Promise<void> {
  const opts = withParent(given, cmd);
  const peer = await adminQuery(resolveAdminSocket(opts), 'peers.remove', { address });
  if (opts.json) return printJson({ removed: peer, untilRestart: true });
  process.stdout.write(`removed static peer ${peer.address}: no longer dialed ${UNTIL_RESTART}; a link it has stays up until it ends.\n`);
}

export function registerPeersCommands(program: Command): void {
  const peers = addTargetOptions(program.command('peers').description('static peers: state (linked, connecting, backing off), address tried, last error, next retry'))
    .option('--json', 'machine-readable (array of {address, name, id, source, state, tried, linkedTo, failures, failuresTotal, lastError, nextRetryAt})')
    .addHelpText('after', '\nExample:\n  skein peers --config n1/skein.toml\n  skein peers add gw.example.net:7460 --name gw2\n  skein peers --json | jq \'.[] | select(.state != "linked")\'')
    .action(list);
  addTargetOptions(peers.command('add').description(`dial a static peer now and keep it ${UNTIL_RESTART}`).argument('<address>', 'host:port (IPv6 in brackets)'))
    .option('--name <name>', 'the node name the peer must prove (pin)')
    .option('--id <id>', 'the node id the peer must prove (pin)')
    .option('--json', 'machine-readable ({added, untilRestart})')
    .addHelpText('after', '\nThe peer is kept until the node restarts: add it to `peers` in the config to keep it.\n\nExample:\n  skein peers add [2001:db8::1]:7460\n  skein peers add gw.example.net:7460 --name gw2')
    .action(add);
  addTargetOptions(peers.command('remove').description(`stop dialing a static peer ${UNTIL_RESTART}`).argument('<address>', 'the address as `skein peers` lists it'))
    .option('--json', 'machine-readable ({removed, untilRestart})')
    .addHelpText('after', '\nA configured peer comes back when the node restarts: remove it from the config too.\n\nExample:\n  skein peers remove 192.0.2.7:7460')
    .action(remove);
}
