/**
 * How inspection commands find their daemon: `--socket PATH`, else the admin
 * socket named by `--config FILE`, else $SKEIN_CONFIG (set by `skein lab exec`),
 * else ./skein.toml.
 */
import type { Command } from 'commander';
import { dirname, isAbsolute, resolve } from 'node:path';
import { DEFAULT_ADMIN_SOCKET, loadConfig, parseTomlText } from '../node/config.js';
import { exists, readFileChecked } from '../util/files.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';

export interface TargetOptions {
  socket?: string;
  config?: string;
}

export function addTargetOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'the node\'s config file (default: $SKEIN_CONFIG or ./skein.toml)')
    .option('--socket <path>', 'the daemon\'s admin socket (overrides --config)');
}

export function resolveAdminSocket(opts: TargetOptions): string {
  if (opts.socket) return opts.socket;
  const config = opts.config ?? process.env.SKEIN_CONFIG ?? (exists('skein.toml') ? 'skein.toml' : undefined);
  if (!config) {
    throw new SkeinError(ErrorCodes.USAGE, 'no daemon given: use --config FILE or --socket PATH (or set SKEIN_CONFIG)');
  }
  try {
    return loadConfig(config).admin.socket;
  } catch (err) {
    // A config the daemon would refuse still names its socket: reach the daemon, which says what is wrong (`skein reload` after a bad edit).
    const socket = socketOfInvalidConfig(config);
    if (socket === undefined) throw err;
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
