/**
 * `skein config check [FILE]`: every problem of a node's config at once,
 * then the effective config (every default filled in) as TOML, or all of it
 * as JSON with --json. Exit 0 when the config would start a node, 1 when not.
 */
import type { Command } from 'commander';
import { stringify } from 'smol-toml';
import { checkConfigFile, configFileToCheck, type ConfigCheckResult } from '../../node/config-check.js';
import { CliExit, printJson } from '../output.js';

const EXIT_PROBLEMS = 1;

/** TOML has no null: keys without a value are left out. */
function withoutUndefined(value: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

export function formatConfigCheck(r: ConfigCheckResult): string {
  if (r.problems.length > 0) {
    const n = r.problems.length;
    return `${r.file}: ${n} problem${n === 1 ? '' : 's'}\n${r.problems.map((p) => `  ${p}`).join('\n')}\n`;
  }
  return `${r.file}: ok\n\n# the effective configuration (defaults filled in, paths absolute)\n${stringify(withoutUndefined(r.effective))}\n`;
}

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('check a node\'s config file');
  config.command('check')
    .description('every problem of a config at once (keys, then the key, certificate and trust files), then the effective config with defaults')
    .argument('[file]', 'the config file (default: $SKEIN_CONFIG or ./skein.toml)')
    .option('--json', 'machine-readable ({file, ok, problems, effective})')
    .addHelpText('after', '\nExit status: 0 when the config would start a node, 1 when it has problems.\n\nExample:\n  skein config check /etc/skein/skein.toml\n  skein config check --json | jq .effective.listen')
    .action((file: string | undefined, o: { json?: boolean }) => {
      const r = checkConfigFile(configFileToCheck(file), Date.now());
      if (o.json) printJson(r);
      else process.stdout.write(formatConfigCheck(r));
      if (!r.ok) throw new CliExit(EXIT_PROBLEMS);
    });
}
