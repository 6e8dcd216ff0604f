#!/usr/bin/env node
// Bundles the compiled CLI (dist/cli/main.js, after `tsc`) into a few files
// in dist/bundle/, which bin/skein.js runs when they are not older than
// dist/cli/main.js. Why: `skein up` loaded ~330 files (our ~170 modules,
// zod's 95, pino's, commander's...); Node 20's module loader (resolution,
// package.json reads, one compile per file, the CommonJS export scan) cost
// ~0.3 s of CPU per start, and a mesh starts several daemons on few cores.
// Bundled and minified: ~300 ms instead of ~650 ms of CPU from exec to "node up"
// (median of 6 starts each, 2026-11-25, 2 shared vCPUs).
//
// Code splitting keeps each command area's lazy import() a separate chunk,
// so a command still loads only its own code. The bundle sits two levels
// under the package root like every dist module, so the import.meta.url
// paths (the TUN addon in build/Release, the web page's files) still
// resolve. sodium-native stays external: it finds its prebuilt binary
// relative to its own package directory.
import { build } from 'esbuild';
import { existsSync, renameSync, rmSync } from 'node:fs';

// `--root DIR`: bundle DIR/dist instead of this package's (experiments with another build).
const rootArg = process.argv.indexOf('--root');
const root = rootArg === -1 ? new URL('..', import.meta.url).pathname : `${process.argv[rootArg + 1].replace(/\/$/, '')}/`;

/**
 * These packages stay outside the bundle and are loaded with require(): an
 * `import` of a CommonJS package makes Node scan its source for export
 * names first (~20 ms for sodium-native's long export list, at every start).
 */
function requiredAsCommonJs(names) {
  const filter = new RegExp(`^(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`);
  return {
    name: 'required-as-commonjs',
    setup(b) {
      b.onResolve({ filter }, (args) => (args.kind === 'require-call' ? { path: args.path, external: true } : { path: args.path, namespace: 'required-as-commonjs' }));
      b.onLoad({ filter: /.*/, namespace: 'required-as-commonjs' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
    },
  };
}
const finalDir = `${root}dist/bundle`;
// Built beside and swapped in by renames: a `skein` started meanwhile finds the
// old bundle, or none (bin/skein.js then runs dist/cli), never half of one.
const outdir = `${finalDir}.${process.pid}.tmp`;
const oldDir = `${finalDir}.${process.pid}.old`;

rmSync(outdir, { recursive: true, force: true });
/**
 * zod re-exports every message locale (~290 KB of the bundle, compiled at
 * each start: ~20 ms of CPU); Skein shows the English messages zod installs
 * itself (classic/external.js imports locales/en.js directly), so zod's
 * locales index becomes one exporting English alone. Should zod's layout
 * change, nothing matches and the bundle simply keeps every locale.
 */
function zodEnglishOnly() {
  return {
    name: 'zod-english-only',
    setup(b) {
      b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => (/[\\/]zod[\\/]v4[\\/](classic|core)[\\/]?$/.test(args.resolveDir) ? { path: `${args.resolveDir}/../locales/en.js`, namespace: 'zod-english-only' } : undefined));
      b.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({ contents: `export { default as en } from ${JSON.stringify(args.path)};`, loader: 'js', resolveDir: args.path.replace(/[\\/][^\\/]*$/, '') }));
    },
  };
}

await build({
  entryPoints: { skein: `${root}dist/cli/main.js` },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  minifyWhitespace: true,
  minifySyntax: true,
  plugins: [requiredAsCommonJs(['sodium-native']), zodEnglishOnly()],
  // CommonJS dependencies inside an ES module bundle call require(): give them Node's.
  banner: { js: "import { createRequire as skeinBundleRequire } from 'node:module'; const require = skeinBundleRequire(import.meta.url);" },
  logLevel: 'warning',
});
if (existsSync(finalDir)) renameSync(finalDir, oldDir);
renameSync(outdir, finalDir);
rmSync(oldDir, { recursive: true, force: true });
