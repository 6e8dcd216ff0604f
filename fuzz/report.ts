/**
 * Renders the JSON of a campaign (`npm run fuzz -- --json FILE`), or of
 * several run one after another, as the markdown table of docs/fuzzing.md
 * (`npm run results` writes the same table there from results/fuzz-results.json):
 *
 *   node --import tsx fuzz/report.ts FILE [FILE...]
 */
import { readFileSync } from 'node:fs';
import { renderFuzzCampaign, type FuzzCampaignFile } from '../scripts/results-render.js';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node --import tsx fuzz/report.ts CAMPAIGN.json [CAMPAIGN.json...]');
  process.exit(2);
}
const campaigns = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as FuzzCampaignFile);
const first = campaigns[0]!;
console.log(renderFuzzCampaign({ ...first, results: campaigns.flatMap((c) => c.results) }));
