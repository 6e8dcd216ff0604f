/**
 * How inspection commands find their daemon, first match wins:
 *   `--socket PATH`;
 *   the admin socket named by `--config FILE`, else by $SKEIN_CONFIG (set by
 *   `skein lab exec`), else by ./skein.toml;
 *   the system service's socket, /run/skein/skein.sock, when it exists.
 */
import type { Command } from 'commander';
import { loadConfig } from '../node/config.js';
import { exists } from '../util/files.js';
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
  if (config) return loadConfig(config).admin.socket;
  if (fileExists(serviceSocket)) return serviceSocket;
  throw new SkeinError(ErrorCodes.USAGE, `no daemon given and none at ${serviceSocket}: use --config FILE or --socket PATH (or set SKEIN_CONFIG)`);
}
