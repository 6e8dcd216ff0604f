'use strict';
// Fills the daemon's V8 code cache right after a build (scripts/bundle-cli.mjs
// runs this with the daemon's node flags): evaluates every module `skein up`
// loads, without starting anything, and saves what V8 compiled. The first
// daemon then starts from it (its modules' code) and replaces it with a
// cache of a real start (bin/code-cache.js). The cache goes to the user's
// cache directory, never into the package.
//
//   node <daemon flags> scripts/train-code-cache.cjs dist/bundle/skein.cjs
const { loadBundle, cacheDirectory, DAEMON_CACHE } = require('../bin/code-cache.js');

const bundle = process.argv[2];
if (!bundle) {
  console.error('usage: node <daemon flags> scripts/train-code-cache.cjs BUNDLE');
  process.exit(2);
}
const loaded = loadBundle(bundle, { name: DAEMON_CACHE, origin: 'build' });
loaded.exports.warmUp('up').then(() => {
  if (!loaded.save()) console.warn(`train-code-cache: no cache written in ${cacheDirectory() ?? '(no cache directory: set HOME, XDG_CACHE_HOME or SKEIN_CACHE_DIR)'}`);
}).catch((err) => {
  console.error(`train-code-cache: ${err && err.message ? err.message : err}`);
  process.exitCode = 1;
});
