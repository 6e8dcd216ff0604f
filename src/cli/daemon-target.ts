/**
 * How inspection commands find their daemon, first match wins:
 *   `--socket PATH`;
 *   the admin socket named by `--config FILE`, else by $SKEIN_CONFIG (set by
 *   `skein lab exec`), else by ./skein.toml;
 *   the system service's socket, /run/skein/skein.sock, when it exists.
 */
import type { Command } from 'commander';
import { dirname, isAbsolute, resolve } from 'node:path';
import { DEFAULT_ADMIN_SOCKET, loadConfig, parseTomlText } from '../node/config.js';
import { exists, readFileChecked } from '../util/files.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';

/** Where the systemd unit (deploy/skein.service) puts the admin socket: RuntimeDirectory=skein. */
export const SERVICE_ADMIN_SOCKET = '/run/skein/skein.sock';

export interface TargetOptions {
  socket?: string;
  config?: string;
}

export function addTargetOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', `the node's config file (default: $SKEIN_CONFIG, ./skein.toml, else the service's ${SERVICE_ADMIN_SOCKET})`)
    .option('--socket <path>', 'the daemon\'s admin socket (overrides --config)');
}

/** `serviceSocket` and `fileExists` are parameters so that a test can name a socket of its own. */
export function resolveAdminSocket(opts: TargetOptions, serviceSocket = SERVICE_ADMIN_SOCKET, fileExists: (path: string) => boolean = exists): string {
  if (opts.socket) return opts.socket;
  const config = opts.config ?? process.env.SKEIN_CONFIG ?? (fileExists('skein.toml') ? 'skein.toml' : undefined);
  if (config) return socketOfConfig(config);
  if (fileExists(serviceSocket)) return serviceSocket;
  throw new SkeinError(ErrorCodes.USAGE, `no daemon given and none at ${serviceSocket}: use --config FILE or --socket PATH (or set SKEIN_CONFIG)`);
}

function socketOfConfig(config: string): string {
  try {
    return loadConfig(config).admin.socket;
  } catch (err) {
    // A config the daemon would refuse still names its socket: when a daemon is there, reach it,
    // and it says what is wrong (`skein reload` after a bad edit); else the config's own error.
    const socket = socketOfInvalidConfig(config);
    if (socket === undefined || !exists(socket)) throw err;
    return socket;
  }
}

/** admin.socket (or its default) from a config that parses as TOML but does not validate. */
function socketOfInvalidConfig(file: string): string | undefined {
  let raw: unknown;
  try {
    raw = parseTomlText(readFileChecked(file).toString('utf8'), file);
  } catch {
    return undefined;
  }
  const admin = (raw as { admin?: { socket?: unknown } }).admin;
  const socket = admin?.socket ?? DEFAULT_ADMIN_SOCKET;
  if (typeof socket !== 'string' || socket.length === 0) return undefined;
  return isAbsolute(socket) ? socket : resolve(dirname(resolve(file)), socket);
}
