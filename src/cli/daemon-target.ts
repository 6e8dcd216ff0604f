/**
 * How inspection commands find their daemon: `--socket PATH`, else the admin
 * socket named by `--config FILE`, else $SKEIN_CONFIG (set by `skein lab exec`),
 * else ./skein.toml.
 */
import type { Command } from 'commander';
import { loadConfig } from '../node/config.js';
import { exists } from '../util/files.js';
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
  return loadConfig(config).admin.socket;
}
