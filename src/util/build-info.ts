/**
 * What this build is: the package version (read from package.json, so it is
 * never a second copy to keep in step) and the git commit, when the build
 * stamped it (scripts/bundle-cli.mjs writes dist/build-info.json; a run from
 * the sources has none unless SKEIN_BUILD_COMMIT says).
 */
import { readFileSync } from 'node:fs';

/** package.json sits two levels above every module: src/util/, dist/util/ and dist/bundle/ alike. */
const PACKAGE_JSON_URL = new URL('../../package.json', import.meta.url);
/** The build's stamp, beside dist/util/ and dist/bundle/ (absent under src/). */
const BUILD_STAMP_URL = new URL('../build-info.json', import.meta.url);

export interface BuildInfo {
  version: string;
  commit: string | null;
}

function readJson(url: URL): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

let cached: BuildInfo | undefined;

export function buildInfo(): BuildInfo {
  if (cached) return cached;
  const version = readJson(PACKAGE_JSON_URL)?.version;
  const stamped = readJson(BUILD_STAMP_URL)?.commit;
  const commit = typeof stamped === 'string' && stamped.length > 0 ? stamped : process.env.SKEIN_BUILD_COMMIT || null;
  cached = { version: typeof version === 'string' ? version : 'unknown', commit };
  return cached;
}
