/**
 * `skein config check`: every problem of a config at once — TOML syntax,
 * each key the schema refuses, then (when the keys are valid) the files it
 * names: the key, the certificate and the trust, checked together as the
 * daemon checks them at start, and (as root) files every user may write.
 */
import { readFileChecked } from '../util/files.js';
import { isSkeinError } from '../util/errors.js';
import { checkConfig, parseTomlText, type NodeConfig } from './config.js';
import { runsAsRoot, worldWritableProblems } from './config-files.js';
import { loadNodeIdentity, loadTrust } from './identity.js';

export interface ConfigCheckResult {
  file: string;
  ok: boolean;
  problems: string[];
  /** The config with every default filled in and paths made absolute (when the keys are valid). */
  effective: Omit<NodeConfig, 'file'> | null;
}

function messageOf(err: unknown): string {
  return isSkeinError(err) || err instanceof Error ? err.message : String(err);
}

/** The problems of the files a valid config names. */
function fileProblems(config: NodeConfig, nowMs: number, asRoot: boolean): string[] {
  const problems: string[] = [];
  try {
    loadNodeIdentity(config, loadTrust(config), nowMs);
  } catch (err) {
    problems.push(messageOf(err));
  }
  if (asRoot) problems.push(...worldWritableProblems(config));
  return problems;
}

export function checkConfigFile(file: string, nowMs: number, asRoot = runsAsRoot()): ConfigCheckResult {
  let raw: unknown;
  try {
    raw = parseTomlText(readFileChecked(file).toString('utf8'), file);
  } catch (err) {
    return { file, ok: false, problems: [messageOf(err).replace(`${file}: `, '')], effective: null };
  }
  const { config, problems } = checkConfig(raw, file);
  if (config === undefined) return { file, ok: false, problems, effective: null };
  const more = fileProblems(config, nowMs, asRoot);
  const { file: _file, ...effective } = config;
  return { file, ok: more.length === 0, problems: more, effective };
}

/** FILE, else $SKEIN_CONFIG, else ./skein.toml. */
export function configFileToCheck(file: string | undefined): string {
  return file ?? process.env.SKEIN_CONFIG ?? 'skein.toml';
}
