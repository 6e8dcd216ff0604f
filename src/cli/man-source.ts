/** The man page of the whole program as it is now, and where it is checked in. */
import { fileURLToPath } from 'node:url';
import { buildInfo } from '../util/build-info.js';
import { cliTree } from './cli-tree.js';
import { buildProgram } from './main.js';
import { manPage } from './man-page.js';

export const MAN_PAGE_PATH = fileURLToPath(new URL('../../man/skein.1', import.meta.url));

export async function generatedManPage(): Promise<string> {
  return manPage(cliTree(await buildProgram()), buildInfo().version);
}
