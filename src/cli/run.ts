/** Run the CLI from the TypeScript sources (tests: `node --import tsx src/cli/run.ts …`). */
import { main } from './main.js';

main(process.argv).then((code) => { process.exitCode = code; });
