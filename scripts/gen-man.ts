#!/usr/bin/env node
// Writes man/skein.1 from the CLI's command definitions (src/cli/man-page.ts):
//   node --import tsx scripts/gen-man.ts
// test/unit/cli-man-page.test.ts fails when the checked-in page differs from a fresh one.
import { writeFileSync } from 'node:fs';
import { generatedManPage, MAN_PAGE_PATH } from '../src/cli/man-source.js';

writeFileSync(MAN_PAGE_PATH, await generatedManPage());
process.stdout.write(`wrote ${MAN_PAGE_PATH}\n`);
