import { fileURLToPath } from 'node:url';

/** The repository root: `node --import tsx` resolves tsx from the working directory, so children run here. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
