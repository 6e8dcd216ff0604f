/**
 * Running a node and asking it questions: init, up, status, neighbors,
 * reload, events. Inspection commands talk to the daemon's admin API and
 * print an aligned table, or the API's own JSON with --json.
 */
import type { Command } from 'commander';
import { AdminCallError, adminQuery, adminStream } from '../../control/client.js';
import { initNodeDir, initNodeDirFromFiles } from '../../node/init.js';
import { LOG_LEVELS, type LogFormat, type LogLevel } from '../../util/log.js';
import { ErrorCodes, SkeinError } from '../../util/errors.js';
import { addTargetOptions, resolveAdminSocket, type TargetOptions } from '../daemon-target.js';
import { printJson, printTable } from '../output.js';
import { formatDuration } from '../duration.js';
import { formatPeers } from './peers.js';
import type { MemoryStatus } from '../../control/protocol.js';
import type { ConfigOverrides } from '../../node/config.js';
import { CliExit } from '../output.js';
import { resolve } from 'node:path';

interface JsonOption { json?: boolean }

/** EX_CONFIG from sysexits.h: `skein up` could not make a node from its files (docs/cli-exit.md); the systemd unit does not restart it. */
export const EXIT_CONFIG = 78;

interface UpOptions { config?: string; logLevel?: string; logFormat?: string; stateDir?: string; socket?: string; socketMode?: string; socketGroup?: string }

/** The `skein up` flags that stand in for config keys (the systemd unit passes them). */
function upOverrides(o: UpOptions): ConfigOverrides {
  const admin = {
    ...(o.socket !== undefined ? { socket: resolve(o.socket) } : {}),
    ...(o.socketMode !== undefined ? { socket_mode: o.socketMode } : {}),
    ...(o.socketGroup !== undefined ? { socket_group: o.socketGroup } : {}),
  };
  return { ...(o.stateDir !== undefined ? { state_dir: resolve(o.stateDir) } : {}), ...(Object.keys(admin).length > 0 ? { admin } : {}) };
}

function parseIntOption(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new SkeinError(ErrorCodes.USAGE, `${name} must be an integer from ${min} to ${max}, got '${v}'`);
    return n;
  };
}

export { formatDuration } from '../duration.js';

function formatBytes(n: number): string {
  if (n < 1024) return `${n}B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)}K`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)}M`;
  return `${(n / 1024 ** 3).toFixed(2)}G`;
}

async function status(opts: TargetOptions & JsonOption): Promise<void> {
  const s = await adminQuery(resolveAdminSocket(opts), 'status');
  if (opts.json) return printJson(s);
  const rows: Array<[string, string]> = [
    ['name', String(s.name)],
    ['id', String(s.id)],
    ['cluster', `${s.cluster.name} (${s.cluster.id})`],
    ['address', String(s.address)],
    ['data plane', s.dataPlane.device ? `${s.dataPlane.device}, mtu ${s.dataPlane.mtu}${s.dataPlane.dns ? `, dns ${s.dataPlane.dns}` : ''}` : `off: ${s.dataPlane.unavailable}`],
    ['members', String(s.members)],
    ['listen port', String(s.listenPort)],
    ['neighbors', String(s.neighbors)],
    ['interfaces', s.interfaces.join(', ') || '-'],
    ['uptime', formatDuration(Number(s.uptimeMs))],
    ['memory', formatMemory(s.memory)],
    ['certificate valid until', String(s.certificateNotAfter)],
    ['version', String(s.version)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + '\n');
  const peers = s.peers ?? [];
  if (peers.length > 0) process.stdout.write(`\nstatic peers\n${formatPeers(peers, Date.now())}`);
}

const MIB = 1024 * 1024;

/** "96.4 MiB resident (V8 heap 24.1 MiB, buffers outside it 2.9 MiB)"; a daemon of an older version says nothing of it. */
function formatMemory(m: MemoryStatus | undefined): string {
  if (m === undefined) return '-';
  const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`;
  return `${mib(m.rssBytes)} resident (V8 heap ${mib(m.v8HeapBytes)}, buffers outside it ${mib(m.externalBytes)})`;
}

async function neighbors(opts: TargetOptions & JsonOption): Promise<void> {
  const list = await adminQuery(resolveAdminSocket(opts), 'neighbors');
  if (opts.json) return printJson(list);
  if (list.length === 0) {
    process.stdout.write('no neighbors\n');
    return;
  }
  printTable(
    ['name', 'id', 'interface', 'address', 'rtt', 'uptime', 'in', 'out'],
    list.map((n) => [
      n.name, n.id.slice(0, 8), n.interface, n.address,
      n.rttMs === null ? '-' : `${n.rttMs.toFixed(2)}ms`, formatDuration(n.uptimeMs),
      `${formatBytes(n.bytesIn)}/${n.messagesIn}`, `${formatBytes(n.bytesOut)}/${n.messagesOut}`,
    ]),
  );
}

interface InitOptions { ca?: string; name?: string; key?: string; cert?: string; out: string; trust?: string; groups?: string[]; days: number; port?: number; force?: boolean; json?: boolean }

/** `skein init` either signs a new key with --ca, or adopts --key and --cert made elsewhere. */
function runInit(o: InitOptions): { name: string; idText: string; dir: string; config: string; files: string[] } {
  const port = o.port !== undefined ? { port: o.port } : {};
  const force = o.force ? { force: true } : {};
  if (o.key !== undefined || o.cert !== undefined) {
    if (o.ca !== undefined || o.name !== undefined || o.groups !== undefined) throw new SkeinError(ErrorCodes.USAGE, 'init: --key/--cert adopt a certificate made elsewhere; --ca, --name and --groups are for signing one here');
    if (o.key === undefined || o.cert === undefined || o.trust === undefined) throw new SkeinError(ErrorCodes.USAGE, 'init: --key FILE, --cert FILE and --trust CA.CRT go together');
    return initNodeDirFromFiles({ key: o.key, cert: o.cert, trust: o.trust, out: o.out, nowMs: Date.now(), ...port, ...force });
  }
  if (o.ca === undefined || o.name === undefined) throw new SkeinError(ErrorCodes.USAGE, 'init: give --ca DIR and --name NAME (sign a new key here), or --key, --cert and --trust (a key and certificate made elsewhere)');
  const r = initNodeDir({ caDir: o.ca, name: o.name, out: o.out, nowMs: Date.now(), days: o.days,
    ...(o.trust ? { trust: o.trust } : {}), ...(o.groups ? { groups: o.groups } : {}), ...port, ...force });
  return { ...r, name: o.name };
}

export function registerNodeCommands(program: Command): void {
  program
    .command('init')
    .description('make a node directory: node.key, node.key.pub, node.crt, ca.crt and skein.toml (signed here with --ca, or from a key and certificate made elsewhere with --key/--cert)')
    .option('--ca <dir>', 'CA (or intermediate signer) directory that signs the node')
    .option('--name <name>', 'node name (a DNS label; with --ca)')
    .option('--key <file>', 'an existing node key (skein keygen) whose certificate the CA sent back (with --cert and --trust)')
    .option('--cert <file>', 'the certificate for --key (the CA\'s `skein ca sign` output)')
    .requiredOption('--out <dir>', 'directory to create the node in')
    .option('--trust <file>', 'cluster CA certificate to trust (default with --ca: CADIR/ca.crt)')
    .option('--groups <list>', 'comma-separated groups (with --ca)', (v: string) => v.split(',').filter(Boolean))
    .option('--days <n>', 'certificate validity in days (with --ca)', parseIntOption('--days', 1, 3650), 365)
    .option('--port <n>', 'TCP port for links', parseIntOption('--port', 0, 65535))
    .option('--force', 'overwrite existing files')
    .option('--json', 'machine-readable ({name, id, dir, config, files})')
    .addHelpText('after', '\nExample (CA on this machine):\n  skein ca init --name demo --out ca\n  skein init --ca ca --name n1 --out n1\n  skein up --config n1/skein.toml\n\nExample (offline CA: only the public key travels):\n  skein keygen --out n1.key                                   # on the node\n  skein ca sign --ca ca --pub n1.key.pub --name n1 --out n1.crt   # on the CA\n  skein init --key n1.key --cert n1.crt --trust ca.crt --out n1   # on the node')
    .action((o: InitOptions) => {
      const r = runInit(o);
      if (o.json) return printJson({ name: r.name, id: r.idText, dir: r.dir, config: r.config, files: r.files });
      process.stdout.write(`node '${r.name}' id ${r.idText} initialised in ${r.dir}\nstart it with: skein up --config ${r.config}\n`);
    });

  program
    .command('up')
    .description('run a node in the foreground (Ctrl-C or SIGTERM stops it cleanly; SIGHUP reloads the config)')
    .option('--config <file>', 'the node\'s config file (default: $SKEIN_CONFIG or ./skein.toml)')
    .option('--log-level <level>', `override the config's log level (${LOG_LEVELS.join(', ')})`)
    .option('--log-format <format>', 'json or human')
    .option('--state-dir <dir>', 'where the sequence number and stored revocation lists live (overrides state_dir)')
    .option('--socket <path>', 'the admin socket (overrides admin.socket)')
    .option('--socket-mode <mode>', 'the admin socket\'s mode, e.g. 0660 (overrides admin.socket_mode)')
    .option('--socket-group <group>', 'the admin socket\'s group (overrides admin.socket_group)')
    .addHelpText('after', `\nExit status ${EXIT_CONFIG}: the config or a file it names is invalid, missing or unreadable (restarting cannot help).`)
    .action(async (o: UpOptions) => {
      const config = o.config ?? process.env.SKEIN_CONFIG ?? 'skein.toml';
      if (o.logLevel && !(LOG_LEVELS as readonly string[]).includes(o.logLevel)) throw new SkeinError(ErrorCodes.USAGE, `--log-level must be one of ${LOG_LEVELS.join(', ')}`);
      if (o.logFormat && o.logFormat !== 'json' && o.logFormat !== 'human') throw new SkeinError(ErrorCodes.USAGE, '--log-format must be json or human');
      // Loaded here: the inspection commands in this file need none of the daemon's code.
      const { runDaemon, ConfigRefused } = await import('../../node/daemon.js');
      try {
        process.exitCode = await runDaemon(config, {
          ...(o.logLevel ? { logLevel: o.logLevel as LogLevel } : {}),
          ...(o.logFormat ? { logFormat: o.logFormat as LogFormat } : {}),
          overrides: upOverrides(o),
        });
      } catch (err) {
        if (err instanceof ConfigRefused) throw new CliExit(EXIT_CONFIG, `skein: ${err.message}`);
        throw err;
      }
    });

  addTargetOptions(program.command('status').description('this node: name, id, cluster, address, data plane, port, neighbors, members'))
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  skein status --config n1/skein.toml\n  skein status --json | jq -r .address')
    .action(status);

  addTargetOptions(program.command('neighbors').alias('neighbours').description('authenticated links: peer, interface, address, RTT, traffic'))
    .option('--json', 'machine-readable output (array of {name, id, interface, address, rttMs, ...})')
    .addHelpText('after', '\nExample:\n  skein neighbors --config n1/skein.toml\n  skein lab exec n1 -- skein neighbors --json')
    .action(neighbors);

  addTargetOptions(program.command('reload').description('re-read the config: trusted CAs, revocation lists, interfaces, log level (like SIGHUP)'))
    .option('--json', 'machine-readable ({reloaded, restartNeeded})')
    .addHelpText('after', '\nA refused reload (a bad file, our own key revoked, another cluster\'s CA) says why, exits 1, and the node keeps its running configuration.\n\nExample:\n  skein ca revoke --ca ca old-node.crt && cp ca/revoked.crl /etc/skein/ && skein reload')
    .action(async (o: TargetOptions & JsonOption) => {
      let r: { restartNeeded?: string[] };
      try {
        r = await adminQuery(resolveAdminSocket(o), 'reload');
      } catch (err) {
        if (!(err instanceof AdminCallError)) throw err;
        throw new AdminCallError(err.code, `reload refused, the node keeps its running configuration: ${err.message}`);
      }
      const restartNeeded = r.restartNeeded ?? [];
      if (o.json) return printJson({ reloaded: true, restartNeeded });
      process.stdout.write('reloaded\n');
      if (restartNeeded.length > 0) process.stdout.write(`note: ${restartNeeded.join(', ')} changed; these apply only after a restart\n`);
    });

  addTargetOptions(program.command('events').description('follow the node\'s events (links, members, routes, security events) like tail -f'))
    .option('--json', 'one JSON object per line')
    .addHelpText('after', '\nExample:\n  skein events\n  skein events --json | grep security')
    .action(async (o: TargetOptions & JsonOption) => {
      const s = await adminStream(resolveAdminSocket(o), 'events', {}, (e) => {
        const ev = e as Record<string, unknown>;
        if (o.json) process.stdout.write(`${JSON.stringify(ev)}\n`);
        else {
          const { time, type, ...rest } = ev;
          process.stdout.write(`${String(time)} ${String(type)} ${Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')}\n`);
        }
      });
      process.once('SIGINT', () => s.stop());
      await s.done;
    });
}
