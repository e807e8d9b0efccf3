import { incidentDurations } from '../metrics/durations.js';
import type { PostmortemRecord } from './record.js';

/** At most this many deploys are drawn (the latest before resolution); the table lists all. */
const MAX_DEPLOYS = 6;

interface Moment {
  at: Date;
  what: string;
}

/**
 * Mermaid's timeline takes `:` as its separator, `#` and `;` as entity syntax, and a line
 * break ends an event. Outside text (services, versions) keeps only what cannot confuse it,
 * so the fenced block stays one valid diagram and cannot close the fence.
 */
const safe = (text: string, max = 40): string =>
  text
    .replace(/[^\p{L}\p{N} .,_+\-/()@]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, max) || '?';

/**
 * The incident as a Mermaid `timeline` (rendered by GitHub, GitLab and many wikis): impact,
 * detection, acknowledgement, the deploys, rollbacks, mitigation and resolution, in time order.
 * Times are UTC, with the date when the incident spans more than one day.
 */
export function incidentPicture(record: PostmortemRecord): string {
  const i = record.incident;
  const d = incidentDurations(i);
  const moments: Moment[] = [
    { at: d.impactStart, what: 'Impact started' },
    { at: d.detection, what: 'Detected' },
  ];
  if (i.acknowledgedAt) moments.push({ at: i.acknowledgedAt, what: 'Acknowledged' });
  const deploys = [...record.deploys].sort((a, b) => a.at.getTime() - b.at.getTime());
  for (const deploy of deploys.slice(-MAX_DEPLOYS)) {
    const verdict = deploy.verdict === 'causal' ? ' (the cause)' : '';
    moments.push({
      at: deploy.at,
      what: `Deploy ${safe(deploy.service)} ${safe(deploy.version)}${verdict}`,
    });
  }
  for (const rollback of record.rollbacks) {
    const to = rollback.toVersion ? ` to ${safe(rollback.toVersion)}` : '';
    moments.push({
      at: rollback.requestedAt,
      what: `Rollback of ${safe(rollback.service)}${to} asked`,
    });
    if (rollback.finishedAt)
      moments.push({ at: rollback.finishedAt, what: `Rollback ${safe(rollback.status, 20)}` });
  }
  if (i.mitigatedAt) moments.push({ at: i.mitigatedAt, what: 'Mitigated' });
  if (i.resolvedAt) moments.push({ at: i.resolvedAt, what: 'Resolved' });

  moments.sort((a, b) => a.at.getTime() - b.at.getTime());
  const days = new Set(moments.map((m) => m.at.toISOString().slice(0, 10)));
  const label = (at: Date) =>
    days.size > 1
      ? at.toISOString().slice(0, 16).replace('T', ' ')
      : at.toISOString().slice(11, 16);
  const lines: string[] = [];
  let period = '';
  for (const moment of moments) {
    const at = label(moment.at);
    if (at === period) lines.push(`    ${' '.repeat(at.length)} : ${moment.what}`);
    else lines.push(`    ${at} : ${moment.what}`);
    period = at;
  }
  return ['```mermaid', 'timeline', `    title INC-${i.id}, times in UTC`, ...lines, '```'].join(
    '\n',
  );
}
