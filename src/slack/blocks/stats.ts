import type { DoraStats } from '../../metrics/dora.js';
import type { IncidentStats } from '../../metrics/incidents.js';
import { humanDuration, type Summary } from '../../metrics/summary.js';
import { escapeText, truncate } from './text.js';

const pair = (s: Summary) =>
  s.n === 0 || s.median === null || s.mean === null
    ? '—'
    : `${humanDuration(s.median)} / ${humanDuration(s.mean)}`;

const pad = (cells: string[], widths: number[]) =>
  cells
    .map((c, i) => c.padEnd(widths[i] ?? 0))
    .join('  ')
    .trimEnd();

/** MTTA and MTTR per severity, as a fixed-width table (Slack has no tables). */
export function incidentStatsText(stats: IncidentStats, days: number): string {
  const head = ['Severity', 'Incidents', 'Open', 'MTTA median / mean', 'MTTR median / mean'];
  const rows = stats.rows.map((r) => [
    r.severity === 'all' ? 'All' : r.severity.toUpperCase(),
    String(r.incidents),
    String(r.open),
    pair(r.mtta),
    pair(r.mttr),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const all = stats.rows.at(-1);
  if (!all || all.incidents === 0) return `*Incidents, last ${days} days:* none. 🎉`;
  return [
    `*Incidents, last ${days} days*`,
    '```',
    pad(head, widths),
    ...rows.map((r) => pad(r, widths)),
    '```',
    '_MTTA: detection → acknowledged. MTTR: impact start → resolved. Over incidents detected in the period._',
  ].join('\n');
}

const percent = (rate: number | null) => (rate === null ? '—' : `${Math.round(rate * 100)}%`);

/** The four DORA keys for one service (or all) in one environment. */
export function doraStatsText(
  stats: DoraStats,
  scope: { service?: string; environment: string; days: number },
): string {
  const what = scope.service ? `*${escapeText(truncate(scope.service, 80))}*` : 'all services';
  const f = stats.frequency;
  const l = stats.leadTime;
  const c = stats.changeFailure;
  const lines = [
    `*Deploys of ${what} to ${escapeText(scope.environment)}, last ${scope.days} days*`,
    `• *Deployment frequency:* ${f.deploys} deploy${f.deploys === 1 ? '' : 's'}${f.rollbacks ? ` (${f.rollbacks} rollback${f.rollbacks === 1 ? '' : 's'})` : ''}, ${f.perWeek.toFixed(1)} a week, on ${f.deployDays} of ${stats.days} days — *${f.bucket}*`,
    `• *Lead time for changes:* ${l.n === 0 ? `— (no change with a known commit time; ${l.changes} change${l.changes === 1 ? '' : 's'})` : `median ${humanDuration(l.median ?? 0)}, mean ${humanDuration(l.mean ?? 0)} (${l.n} of ${l.changes} changes)`}`,
    `• *Change failure rate:* ${percent(c.rate)}${c.changes ? ` (${c.failed} of ${c.changes} changes caused an incident or were rolled back)` : ''}`,
    `• *Failed-deploy recovery time:* ${stats.recovery.n === 0 ? '—' : `median ${humanDuration(stats.recovery.median ?? 0)}, mean ${humanDuration(stats.recovery.mean ?? 0)} (${stats.recovery.n})`}`,
    '_Succeeded deploys only. Rollbacks count as deploys but not as changes. Failures are distinct deploys confirmed as an incident’s cause or rolled back._',
  ];
  return lines.join('\n');
}
