/** Human-readable tables of simulation reports (the CLI prints these; --json prints the reports). */
import { formatTable } from '../util/table.js';
import type { ScenarioReport } from './scenarios.js';

const kb = (bytes: number): string => (bytes / 1024).toFixed(1);

export function formatScenario(r: ScenarioReport): string {
  const head = `${r.scenario}: ${r.nodes} nodes, ${r.links} links (${r.topology}), seed ${r.seed}` +
    `${r.lossRate > 0 ? `, loss ${(r.lossRate * 100).toFixed(1)}% (${r.messagesLost} lost)` : ''}` +
    ` — route computation mean ${r.meanRouteComputationMs.toFixed(2)} ms, worst ${r.worstRouteComputationMs.toFixed(1)} ms; ${r.eventsRun} events, ${(r.realMs / 1000).toFixed(1)} s real` +
    `; heap ${kb(r.heapBytesPerNode)} KiB per node${r.heapMeasuredAfterGc ? '' : ' (garbage included: run node with --expose-gc for the live heap)'}`;
  const rows = r.phases.map((p) => [
    p.phase,
    p.quiet ? `${p.convergenceMs}` : 'not quiet',
    p.messagesPerNode.toFixed(1),
    kb(p.bytesPerNode),
    p.databaseRecords.toFixed(0),
    kb(p.databaseBytes),
    p.check.correct ? 'yes' : `NO (${p.check.mismatches}: ${p.check.example ?? ''})`,
    p.extra === undefined ? '' : Object.entries(p.extra).map(([k, v]) => `${k}=${v}`).join(' '),
  ]);
  return `${head}\n${formatTable(['phase', 'converged ms', 'msgs/node', 'KiB/node', 'db records', 'db KiB', 'tables = reference', 'notes'], rows)}`;
}

export const SUMMARY_HEADERS = ['scenario', 'nodes', 'links', 'converged ms (per phase)', 'msgs/node', 'KiB/node', 'db records', 'SPF ms mean / worst', 'heap KiB/node', 'steady B/node/s: routing + keepalive = all', 'correct', 'real s'] as const;

/** One row per scenario: the numbers of the results table (`npm run results`). */
export function summaryRows(reports: readonly ScenarioReport[]): string[][] {
  return reports.map((r) => {
    const last = r.phases[r.phases.length - 1];
    const first = r.phases[0];
    return [
      r.scenario,
      `${r.nodes}`,
      `${r.links}`,
      r.phases.map((p) => p.convergenceMs).join(' / '),
      r.phases.map((p) => p.messagesPerNode.toFixed(0)).join(' / '),
      r.phases.map((p) => kb(p.bytesPerNode)).join(' / '),
      `${last?.databaseRecords.toFixed(0) ?? ''} (${kb(first?.databaseBytes ?? 0)} KiB)`,
      `${r.meanRouteComputationMs.toFixed(2)} / ${r.worstRouteComputationMs.toFixed(1)}`,
      r.heapMeasuredAfterGc ? kb(r.heapBytesPerNode) : '-',
      steadyRate(r),
      r.correct ? 'yes' : 'NO',
      (r.realMs / 1000).toFixed(1),
    ];
  });
}

/** Control bytes per node per second over the steady scenario's quiet window: routing, keepalives, both. */
function steadyRate(r: ScenarioReport): string {
  const extra = r.phases.find((p) => p.extra?.bytesPerNodePerSecond !== undefined)?.extra;
  if (extra === undefined) return '-';
  return `${extra.bytesPerNodePerSecond} + ${extra.keepaliveBytesPerNodePerSecond ?? '?'} = ${extra.controlBytesPerNodePerSecond ?? '?'}`;
}

/** One line per scenario, aligned for the terminal. */
export function formatSummary(reports: readonly ScenarioReport[]): string {
  return formatTable([...SUMMARY_HEADERS], summaryRows(reports));
}
