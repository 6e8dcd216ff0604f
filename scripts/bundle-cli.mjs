#!/usr/bin/env node
// Bundles the compiled CLI (dist/cli/main.js, after `tsc`) into one CommonJS
// file, dist/bundle/skein.cjs, which bin/skein.js runs (with a V8 code cache,
// bin/code-cache.js) when it is not older than dist/cli/main.js. Why: `skein
// up` loaded ~330 files (our ~170 modules, zod's 95, pino's, commander's...);
// Node 20's module loader (resolution, package.json reads, one compile per
// file, the CommonJS export scan) cost ~0.3 s of CPU per start, and a mesh
// starts several daemons on few cores. Bundled: ~300 ms instead of ~650 ms of
// CPU from exec to "node up" (2026-11-25).
//
// One CommonJS file rather than ES module chunks (2026-11-26): V8's code
// cache needs a vm.Script, which Node 20 has only for scripts, and a
// CommonJS program never starts Node's ES module loader. Each command
// area's lazy import() becomes a lazily run module initialiser inside the
// file, so a command still evaluates only its own code. The bundle sits two
// levels under the package root like every dist module, so the
// import.meta.url paths (the TUN addon in build/Release, the web page's
// files) still resolve (import.meta.url is defined as the bundle's URL).
// sodium-native's JavaScript is bundled; its binding.js stays outside: it
// finds its prebuilt binary relative to its own package directory.
//
// Then the daemon's code cache is filled (scripts/train-code-cache.cjs), so
// the first `skein up` after a build already starts from it.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';

// `--root DIR`: bundle DIR/dist instead of this package's (experiments with another build).
const rootArg = process.argv.indexOf('--root');
const root = rootArg === -1 ? new URL('..', import.meta.url).pathname : `${process.argv[rootArg + 1].replace(/\/$/, '')}/`;
// The daemon's node flags: its code cache is only valid for the flags it was made with.
const { DAEMON_NODE_FLAGS } = await import(`${root}dist/node/node-flags.js`);

/**
 * sodium-native's binding.js loads its prebuilt binary relative to its own
 * file, so it stays outside the bundle, required by its package path; the
 * rest of sodium-native (~110 KB of JavaScript) is bundled and cached.
 */
function sodiumBindingOutside() {
  return {
    name: 'sodium-binding-outside',
    setup(b) {
      b.onResolve({ filter: /^\.\/binding(\.js)?$/ }, (args) => (/[\\/]sodium-native[\\/]?$/.test(args.resolveDir) ? { path: 'sodium-native/binding.js', external: true } : undefined));
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

/**
 * The bundle's entry: the CLI (eager, as bin/skein.js runs it) and the
 * library (src/api.ts, `import { openNode } from 'skein'`), evaluated only
 * when first asked for: a `require` of an ES module becomes a lazily run
 * initialiser, so a `skein` command never pays for the library's code.
 */
const ENTRY = `'use strict';
const cli = require('./cli/main.js');
exports.main = cli.main;
exports.warmUp = cli.warmUp;
Object.defineProperty(exports, 'api', { enumerable: true, get: () => require('./api.js') });
`;

const result = await build({
  stdin: { contents: ENTRY, resolveDir: `${root}dist`, sourcefile: 'bundle-entry.cjs', loader: 'js' },
  outfile: `${outdir}/skein.cjs`,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // For debugging a checkout; the npm package leaves the map out (package.json "files").
  sourcemap: true,
  minifyWhitespace: true,
  minifySyntax: true,
  metafile: true,
  plugins: [sodiumBindingOutside(), zodEnglishOnly()],
  // What the ES modules ask import.meta for, from inside a CommonJS file.
  define: { 'import.meta.url': 'skeinBundleUrl', 'import.meta.resolve': 'skeinBundleResolve' },
  banner: { js: "const skeinBundleUrl = require('node:url').pathToFileURL(__filename).href; const skeinBundleResolve = (s) => require('node:url').pathToFileURL(require.resolve(s)).href;" },
  logLevel: 'warning',
});
// bin/code-cache.js runs the bundle as a vm.Script, which has no import(): none may remain.
const dynamicImports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.kind === 'dynamic-import').map((i) => i.path));
if (dynamicImports.length > 0) {
  rmSync(outdir, { recursive: true, force: true });
  throw new Error(`bundle-cli: the bundle would keep import() of ${dynamicImports.join(', ')}; bundle them or load them with require()`);
}
writeLibraryEntry(`${outdir}/skein.cjs`, `${outdir}/api.cjs`);
if (existsSync(finalDir)) renameSync(finalDir, oldDir);
renameSync(outdir, finalDir);
rmSync(oldDir, { recursive: true, force: true });

/**
 * The package's library entry (package.json "exports"): each export of the
 * bundle's library by name, as `exports.X = …` lines, which is how Node
 * finds the names an ES module `import { openNode } from 'skein'` asks a
 * CommonJS file for. The names are read from the bundle just built.
 */
function writeLibraryEntry(bundle, file) {
  const listed = spawnSync(process.execPath, ['-e', `process.stdout.write(JSON.stringify(Object.keys(require(${JSON.stringify(bundle)}).api)))`], { encoding: 'utf8', cwd: root });
  if (listed.status !== 0) throw new Error(`bundle-cli: cannot list the library's exports: ${listed.stderr}`);
  const names = JSON.parse(listed.stdout).filter((n) => n !== '__esModule');
  writeFileSync(file, [
    "'use strict';",
    '// The library (src/api.ts) from the CLI bundle, evaluated on first require; written by scripts/bundle-cli.mjs.',
    "const api = require('./skein.cjs').api;",
    ...names.map((n) => `exports.${n} = api.${n};`),
    '',
  ].join('\n'));
}

const training = spawnSync(process.execPath, [...DAEMON_NODE_FLAGS, new URL("train-code-cache.cjs", import.meta.url).pathname, `${finalDir}/skein.cjs`], { stdio: 'inherit' });
if (training.status !== 0) console.warn(`bundle-cli: the daemon's code cache was not filled (exit ${training.status ?? training.signal}); the first \`skein up\` fills it`);
