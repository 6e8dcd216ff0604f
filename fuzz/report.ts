/**
 * Renders the JSON of a campaign (`npm run fuzz -- --json FILE`), or of
 * several run one after another, as the markdown table of docs/fuzzing.md:
 *
 *   node --import tsx fuzz/report.ts FILE [FILE...]
 */
import { readFileSync } from 'node:fs';
import type { LoopResult } from './engine/loop.js';

interface Campaign { date: string; node: string; results: LoopResult[] }

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node --import tsx fuzz/report.ts CAMPAIGN.json [CAMPAIGN.json...]');
  process.exit(2);
}
const campaigns = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as Campaign);
const campaign = { date: campaigns[0]!.date, node: campaigns[0]!.node, results: campaigns.flatMap((c) => c.results) };
const n = (x: number): string => x.toLocaleString('en-US');
console.log(`Campaign of ${campaign.date.slice(0, 10)} (Node ${campaign.node}, one core, \`nice\`):\n`);
console.log('| target | executions | time (s) | execs/s | outcomes seen | corpus | findings |');
console.log('|---|---:|---:|---:|---:|---:|---|');
for (const r of campaign.results) {
  const findings = r.findings.length === 0 ? 'none' : r.findings.map((f) => `${f.kind}: ${f.message.split('\n')[0]}`).join('; ');
  console.log(`| ${r.target} | ${n(r.executions)} | ${Math.round(r.seconds)} | ${n(Math.round(r.executions / r.seconds))} | ${Object.keys(r.outcomes).length} | ${r.corpus} | ${findings} |`);
}
