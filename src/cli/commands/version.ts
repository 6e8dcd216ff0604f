/**
 * `skein version`: what this build is and what it runs with — the package
 * version, the git commit the build was stamped with, Node's version, the
 * AEAD implementation chosen (OpenSSL through the native addon, or
 * libsodium and why), and whether the native addons load.
 */
import type { Command } from 'commander';
import { aeadImplementation } from '../../crypto/aead.js';
import { loadAddon } from '../../dataplane/tun-addon.js';
import { NativeLinks } from '../../link/native-link.js';
import { buildInfo } from '../../util/build-info.js';
import { printJson } from '../output.js';

export interface VersionReport {
  version: string;
  commit: string | null;
  node: string;
  platform: string;
  aead: { implementation: string; fallbackReason: string | null };
  nativeAddons: { aead: boolean; tun: boolean; tunError: string | null; link: boolean; linkError: string | null };
}

export function versionReport(): VersionReport {
  const { version, commit } = buildInfo();
  const aead = aeadImplementation();
  let tunError: string | null = null;
  try {
    loadAddon();
  } catch (err) {
    tunError = (err as Error).message.split('\n')[0] ?? 'did not load';
  }
  const links = NativeLinks.load(new Uint8Array(16));
  if (typeof links !== 'string') links.release();
  return {
    version,
    commit,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    aead: { implementation: aead.implementation, fallbackReason: aead.fallbackReason ?? null },
    nativeAddons: { aead: aead.implementation === 'openssl', tun: tunError === null, tunError, link: typeof links !== 'string', linkError: typeof links === 'string' ? links : null },
  };
}

function formatVersion(r: VersionReport): string {
  const rows: Array<[string, string]> = [
    ['version', r.version],
    ['commit', r.commit ?? 'unknown (this build was not stamped: run from the sources, or built outside git)'],
    ['node', r.node],
    ['platform', r.platform],
    ['aead', r.aead.fallbackReason ? `${r.aead.implementation} (${r.aead.fallbackReason})` : r.aead.implementation],
    ['native addons', `aead ${r.nativeAddons.aead ? 'loaded' : 'not loaded'}, tun ${r.nativeAddons.tun ? 'loaded' : `not loaded (${r.nativeAddons.tunError})`}, link ${r.nativeAddons.link ? 'loaded' : `not loaded (${r.nativeAddons.linkError})`}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return `skein ${r.version}\n${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}

export function registerVersionCommands(program: Command): void {
  program.command('version')
    .description('this build: package version, git commit, Node version, AEAD implementation, native addons')
    .option('--json', 'machine-readable ({version, commit, node, platform, aead, nativeAddons})')
    .addHelpText('after', '\nExample:\n  skein version\n  skein version --json | jq -r .aead.implementation')
    .action((o: { json?: boolean }) => {
      const r = versionReport();
      if (o.json) return printJson(r);
      process.stdout.write(formatVersion(r));
    });
}
