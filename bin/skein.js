#!/usr/bin/env -S node --initial-old-space-size=64
// The flag: V8 heap sizing for the long-running daemon (why: src/node/node-flags.ts; Node refuses it in NODE_OPTIONS).
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run by `npm install` via `prepare`).
// `npm run build` also bundles it into dist/bundle/ (scripts/bundle-cli.mjs), which starts with about
// half the CPU; it is used only when it is not older than dist/cli/main.js, so a later bare `tsc`
// never runs stale code. SKEIN_NO_BUNDLE=1 runs dist/ as compiled.
import { statSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
const bundled = new URL('../dist/bundle/skein.js', import.meta.url);

function entry() {
  if (process.env.SKEIN_NO_BUNDLE === '1') return compiled;
  try {
    return statSync(bundled).mtimeMs >= statSync(compiled).mtimeMs ? bundled : compiled;
  } catch {
    return compiled;
  }
}

const { main } = await import(entry().href);

main(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`skein: internal error: ${err && err.message ? err.message : err}`); process.exitCode = 70; },
);
