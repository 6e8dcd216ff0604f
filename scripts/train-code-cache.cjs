'use strict';
// Fills the daemon's V8 code cache right after a build (scripts/bundle-cli.mjs
// runs this with the daemon's node flags): evaluates every module `skein up`
// loads, without starting anything, and saves what V8 compiled. The first
// daemon then starts from it (its modules' code) and replaces it with a
// cache of a real start (bin/code-cache.js).
//
//   node <daemon flags> scripts/train-code-cache.cjs dist/bundle/skein.cjs
const { loadBundle, DAEMON_CACHE } = require('../bin/code-cache.js');

const bundle = process.argv[2];
if (!bundle) {
  console.error('usage: node <daemon flags> scripts/train-code-cache.cjs BUNDLE');
  process.exit(2);
}
const loaded = loadBundle(bundle, { name: DAEMON_CACHE, origin: 'build' });
loaded.exports.warmUp('up').then(() => {
  if (!loaded.save()) console.warn(`train-code-cache: no cache written beside ${bundle} (not writable?)`);
}).catch((err) => {
  console.error(`train-code-cache: ${err && err.message ? err.message : err}`);
  process.exitCode = 1;
});
