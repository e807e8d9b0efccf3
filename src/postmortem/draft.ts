import { incidentRef } from '../domain/incident.js';
import type { TimelineItem } from '../domain/postmortem.js';
import { incidentDurations } from '../metrics/durations.js';
import { humanDuration } from '../metrics/summary.js';
import { cell, escapeInline, mdLink, messageBlock, truncateText } from './markdown.js';
import { incidentPicture } from './picture.js';
import type { PostmortemRecord } from './record.js';

export interface DraftOptions {
  generatedAt: Date;
  /** Characters of one message kept in the timeline before it is cut (and marked). */
  maxMessage?: number;
  /** Display names by Slack user id; people not in it are shown by id. */
  names?: ReadonlyMap<string, string>;
}

const TO_FILL = (hint: string) => `_${hint}_`;

/** `2026-11-22 10:02:13` (UTC): sortable, unambiguous, no locale. */
export const utc = (date: Date | null | undefined): string =>
  date ? date.toISOString().slice(0, 19).replace('T', ' ') : '—';

const SLACK_ID = /^[UWB][A-Z0-9]{2,}$/;

/** Display names for Slack user ids, as far as they can be found (the edges look them up). */
export type NamesOf = (userIds: readonly string[]) => Promise<ReadonlyMap<string, string>>;

/** How a person or system actor is written: a function of who it is. */
export type Who = (id: string | null | undefined) => string;

/**
 * A Slack user by name with the id beside it (`Ana Lopez (@U0123ABCD)`) when `names` knows
 * them, else as `@U0123ABCD`; a system actor ("alertmanager") as itself.
 */
export const whoFrom =
  (names: ReadonlyMap<string, string>): Who =>
  (id) => {
    if (!id) return '—';
    if (!SLACK_ID.test(id)) return escapeInline(id);
    const name = names.get(id);
    return name ? `${escapeInline(name)} (@${id})` : `@${id}`;
  };

/** Every Slack user id the record mentions (owners, actors, verdicts, payloads). */
export function peopleIn(record: PostmortemRecord): string[] {
  const ids = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      if (SLACK_ID.test(value)) ids.add(value);
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object' && !(value instanceof Date))
      Object.values(value).forEach(visit);
  };
  visit(record);
  return [...ids].sort();
}

const sev = (s: string) => s.toUpperCase();
const stateLabel = (s: string) => (s ? s[0]?.toUpperCase() + s.slice(1) : s);
const str = (v: unknown): string | null =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null;
const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`]
    .concat(rows.map((r) => `| ${r.join(' | ')} |`))
    .join('\n');

/**
 * The postmortem draft, written from the record (never from a blank page). Pure: the same
 * record gives the same Markdown. Everything that came from people or other systems is
 * escaped, code keeps its fences, long messages are cut with a marker.
 */
export function renderPostmortem(record: PostmortemRecord, options: DraftOptions): string {
  const maxMessage = options.maxMessage ?? 3000;
  const who = whoFrom(options.names ?? new Map());
  const sections = [
    header(record, options.generatedAt, who),
    summary(record),
    impact(record),
    milestones(record),
    alertsSection(record),
    deploysSection(record, who),
    rollbacksAndFreezes(record, who),
    pagesSection(record, who),
    ...checklistSection(record, who),
    timelineSection(record, maxMessage, who),
    [
      '## Contributing factors',
      '',
      TO_FILL(
        'What made this possible? Technical causes, missing safeguards, process gaps. Avoid blaming people.',
      ),
    ].join('\n'),
    ['## What went well', '', TO_FILL('What helped detect, respond and recover?')].join('\n'),
    [
      '## What went wrong, and where we got lucky',
      '',
      TO_FILL('What slowed the response down? What could have made it worse?'),
    ].join('\n'),
    followupsSection(record, who),
  ];
  return `${sections.join('\n\n')}\n`;
}

function header(r: PostmortemRecord, generatedAt: Date, who: Who): string {
  const i = r.incident;
  const rows: [string, string][] = [
    ['Severity', sev(i.severity)],
    ['State', stateLabel(i.state)],
    ['Owner', who(i.ownerId)],
    ['Services', i.services.length ? cell(i.services.join(', ')) : '—'],
    ['Environment', cell(i.environment)],
    [
      'Opened by',
      i.source === 'declared'
        ? `declared by ${who(i.createdBy)}`
        : i.source === 'alert'
          ? 'an alert'
          : cell(i.source),
    ],
    ['Channel', i.channelName ? `#${cell(i.channelName)}` : '—'],
  ];
  return [
    `# ${incidentRef(i.id)}: ${escapeInline(i.title)}`,
    '',
    `_Postmortem draft written by firebreak from the incident record on ${utc(generatedAt)} UTC. Edit it freely; the record itself does not change._`,
    '',
    table(
      ['Field', 'Value'],
      rows.map(([k, v]) => [k, v]),
    ),
  ].join('\n');
}

function summary(r: PostmortemRecord): string {
  const i = r.incident;
  const d = incidentDurations(i);
  const parts = [
    `${incidentRef(i.id)} was a ${sev(i.severity)} incident`,
    i.services.length ? ` affecting ${escapeInline(i.services.join(', '))}` : '',
    ` in ${escapeInline(i.environment)}`,
    i.source === 'alert'
      ? `, opened by an alert at ${utc(d.detection)} UTC`
      : `, declared at ${utc(i.declaredAt)} UTC`,
    d.toResolve !== null
      ? `; it was resolved ${humanDuration(d.toResolve)} after impact started.`
      : '; it is not resolved yet.',
  ];
  const causal = r.deploys.filter((x) => x.verdict === 'causal');
  if (causal.length > 0) {
    parts.push(
      ` Confirmed cause: ${causal.map((c) => `the deploy of ${escapeInline(c.service)} ${escapeInline(c.version)}`).join(', ')}.`,
    );
  }
  const written = i.resolution ?? i.description;
  return [
    '## Summary',
    '',
    parts.join(''),
    '',
    written
      ? messageBlock(written, { indent: '', max: 5000 })
      : TO_FILL('Two or three sentences: what happened, who was affected, how it was fixed.'),
  ].join('\n');
}

function impact(r: PostmortemRecord): string {
  const i = r.incident;
  const d = incidentDurations(i);
  const end = i.mitigatedAt ?? i.resolvedAt;
  const window = end
    ? `${utc(d.impactStart)} → ${utc(end)} UTC (${humanDuration(end.getTime() - d.impactStart.getTime())}${i.mitigatedAt ? ', until mitigated' : ''})`
    : `${utc(d.impactStart)} UTC → ongoing`;
  return [
    '## Impact',
    '',
    `- **Impact window:** ${window}`,
    `- **Services:** ${i.services.length ? escapeInline(i.services.join(', ')) : '—'} (${escapeInline(i.environment)})`,
    `- **Who and what was affected:** ${TO_FILL('customers, requests, revenue, data — with numbers where you have them')}`,
  ].join('\n');
}

function milestones(r: PostmortemRecord): string {
  const i = r.incident;
  const d = incidentDurations(i);
  const dur = (ms: number | null) => (ms === null ? '—' : humanDuration(ms));
  return [
    '## Milestones',
    '',
    table(
      ['Milestone', 'Time (UTC)'],
      [
        ['Impact started', utc(d.impactStart)],
        ['Detected', utc(i.detectedAt ?? i.declaredAt)],
        ['Declared', utc(i.declaredAt)],
        ['Acknowledged', utc(i.acknowledgedAt)],
        ['Mitigated', utc(i.mitigatedAt)],
        ['Resolved', utc(i.resolvedAt)],
      ],
    ),
    '',
    table(
      ['Duration', 'Value'],
      [
        ['Time to detect', dur(d.toDetect)],
        ['Time to acknowledge', dur(d.toAcknowledge)],
        ['Time to mitigate', dur(d.toMitigate)],
        ['Time to resolve', dur(d.toResolve)],
      ],
    ),
    '',
    '_Detect, mitigate and resolve are measured from impact start; acknowledge from detection._',
    '',
    incidentPicture(r),
  ].join('\n');
}

function alertsSection(r: PostmortemRecord): string {
  const { total, firing, items } = r.alerts;
  if (total === 0) return ['## Alerts', '', 'No alerts are linked to this incident.'].join('\n');
  const lines = [
    '## Alerts',
    '',
    `${total} alert${total === 1 ? '' : 's'}${firing ? `, ${firing} still firing` : ', all resolved'}.`,
    '',
    table(
      ['Alert', 'Service', 'Severity', 'Started (UTC)', 'Ended (UTC)', 'Status'],
      items.map((a) => [
        a.url ? mdLink(truncateText(a.title, 150), a.url) : cell(a.title, 150),
        cell(a.service),
        sev(a.severity),
        utc(a.startsAt),
        utc(a.endsAt),
        a.status,
      ]),
    ),
  ];
  if (total > items.length) lines.push('', `_… and ${total - items.length} more._`);
  return lines.join('\n');
}

function deploysSection(r: PostmortemRecord, who: Who): string {
  if (r.deploys.length === 0) {
    return ['## Deploys', '', 'No suspect deploys were found for this incident.'].join('\n');
  }
  const detection = (r.incident.detectedAt ?? r.incident.declaredAt).getTime();
  const verdict = (v: string, by: string | null) =>
    v === 'causal'
      ? `**caused it**${by ? ` (confirmed by ${who(by)})` : ''}`
      : v === 'not_related'
        ? `not related${by ? ` (${who(by)})` : ''}`
        : 'suspect, unconfirmed';
  const causal = r.deploys.filter((d) => d.verdict === 'causal');
  return [
    '## Deploys',
    '',
    table(
      ['Deploy', 'Service', 'Environment', 'Deployed (UTC)', 'Before detection', 'By', 'Verdict'],
      r.deploys.map((d) => {
        const before = detection - d.at.getTime();
        return [
          `${mdLink(truncateText(d.version, 80), d.url)}${d.previousVersion ? ` (from ${cell(d.previousVersion, 80)})` : ''}${d.compareUrl ? ` · ${mdLink('diff', d.compareUrl)}` : ''}`,
          cell(d.service),
          cell(d.environment),
          utc(d.at),
          before >= 0 ? humanDuration(before) : `${humanDuration(-before)} after`,
          d.actor ? cell(d.actor) : '—',
          verdict(d.verdict, d.verdictBy),
        ];
      }),
    ),
    '',
    causal.length > 0
      ? `**Confirmed causal:** ${causal.map((d) => `${escapeInline(d.service)} ${escapeInline(d.version)}`).join(', ')}.`
      : 'No deploy has been confirmed as the cause.',
  ].join('\n');
}

function rollbacksAndFreezes(r: PostmortemRecord, who: Who): string {
  const lines = ['## Rollbacks and freezes', '', '### Rollbacks', ''];
  if (r.rollbacks.length === 0) lines.push('None.');
  else {
    lines.push(
      table(
        ['Service', 'From → to', 'Status', 'Requested by', 'Requested (UTC)', 'Finished (UTC)'],
        r.rollbacks.map((b) => [
          `${cell(b.service)} (${cell(b.environment)})`,
          `${cell(b.fromVersion, 80)} → ${cell(b.toVersion, 80)}`,
          `${mdLink(b.status, b.externalUrl)}${b.error ? `: ${cell(b.error, 200)}` : ''}`,
          who(b.requestedBy),
          utc(b.requestedAt),
          utc(b.finishedAt),
        ]),
      ),
    );
  }
  lines.push('', '### Freezes', '');
  if (r.freezes.length === 0) lines.push('None.');
  else {
    lines.push(
      table(
        ['Scope', 'Reason', 'By', 'Created (UTC)', 'Expires (UTC)', 'Lifted (UTC)'],
        r.freezes.map((f) => [
          `${cell(f.services.join(', '))} × ${cell(f.environments.join(', '))}`,
          cell(f.reason),
          who(f.createdBy),
          utc(f.createdAt),
          utc(f.expiresAt),
          f.liftedAt ? `${utc(f.liftedAt)} by ${who(f.liftedBy)}` : '—',
        ]),
      ),
    );
  }
  return lines.join('\n');
}

function pagesSection(r: PostmortemRecord, who: Who): string {
  if (r.pages.length === 0)
    return ['## Pages', '', 'Nobody was paged through firebreak.'].join('\n');
  return [
    '## Pages',
    '',
    table(
      ['Service', 'Status', 'Requested by', 'Created (UTC)', 'PagerDuty'],
      r.pages.map((p) => [
        cell(p.service),
        p.status,
        p.origin === 'pagerduty' ? 'PagerDuty' : who(p.requestedBy),
        utc(p.createdAt),
        p.htmlUrl ? mdLink('incident', p.htmlUrl) : '—',
      ]),
    ),
  ].join('\n');
}

/** The checklist as it ended (no section when the incident had none). */
function checklistSection(r: PostmortemRecord, who: Who): string[] {
  if (r.checklist.length === 0) return [];
  const done = r.checklist.filter((s) => s.checked).length;
  return [
    [
      '## Checklist',
      '',
      `${done} of ${r.checklist.length} steps done.`,
      '',
      ...r.checklist.map(
        (s) =>
          `- [${s.checked ? 'x' : ' '}] ${escapeInline(s.text)}${s.changedBy ? ` — ${s.checked ? 'ticked' : 'unticked'} by ${who(s.changedBy)} at ${utc(s.changedAt)} UTC` : ''}`,
      ),
    ].join('\n'),
  ];
}

/** One line (and maybe a message body) per curated event. */
function entry(item: TimelineItem, maxMessage: number, who: Who): string {
  const p = item.payload;
  const by = who(item.actor);
  const body = (text: unknown) =>
    str(text) ? `\n\n${messageBlock(str(text) ?? '', { indent: '  ', max: maxMessage })}` : '';
  let line: string;
  let rest = '';
  switch (item.kind) {
    case 'incident_opened':
      line = `Incident opened by an alert from ${by} (${sev(str(p.severity) ?? '')}): ${escapeInline(str(p.title) ?? '')}`;
      break;
    case 'incident_declared':
      line = `Declared${p.private === true ? ' as a private incident' : ''} by ${by} (${sev(str(p.severity) ?? '')}): ${escapeInline(str(p.title) ?? '')}`;
      break;
    case 'incident_made_public':
      line = `🔓 Made public by ${by}`;
      break;
    case 'alert_firing':
      line = `First alert fired: ${escapeInline(str(p.title) ?? '')}${str(p.service) ? ` (${escapeInline(str(p.service) ?? '')})` : ''}`;
      break;
    case 'alerts_all_resolved':
      line = `Every alert resolved${str(p.resolved) ? ` (${str(p.resolved)})` : ''}`;
      break;
    case 'state_changed':
      line = `State ${escapeInline(str(p.from) ?? '?')} → ${escapeInline(str(p.to) ?? '?')} (${by})`;
      break;
    case 'severity_changed':
      line = `Severity ${sev(str(p.from) ?? '?')} → ${sev(str(p.to) ?? '?')} (${by})`;
      break;
    case 'owner_changed':
      line = `Owner ${p.from ? `${who(str(p.from))} → ` : ''}${who(str(p.to))} (${by})`;
      break;
    case 'acknowledged':
      line = `Acknowledged by ${by}`;
      break;
    case 'mitigated':
      line = `Marked mitigated by ${by}`;
      break;
    case 'resolved':
      line = `Resolved by ${by}`;
      rest = body(p.summary);
      break;
    case 'reopened':
      line = `Reopened by ${by}`;
      rest = body(p.reason);
      break;
    case 'status_update':
      line = `📣 Status update from ${by}`;
      rest = body(p.text);
      break;
    case 'note':
      line = `📝 Note from ${by}${str(p.permalink) ? ` (${mdLink('message', str(p.permalink))})` : ''}`;
      rest = body(p.text);
      break;
    case 'pinned': {
      const author = str(p.authorId);
      line = `📌 ${author ? who(author) : 'A message'}${str(p.permalink) ? ` (${mdLink('message', str(p.permalink))})` : ''}${author !== item.actor ? `, added by ${by}` : ''}`;
      rest = body(p.text);
      const files = Array.isArray(p.files) ? (p.files as { name?: unknown; url?: unknown }[]) : [];
      if (files.length > 0) {
        rest += `\n\n  Files: ${files.map((f) => mdLink(str(f.name) ?? 'file', str(f.url))).join(', ')}`;
      }
      break;
    }
    case 'deploy_seen':
      line = `Deploy seen: ${escapeInline([str(p.service), str(p.version), str(p.environment) && `(${str(p.environment)})`].filter(Boolean).join(' '))}`;
      break;
    case 'rollback_requested':
    case 'rollback_started':
    case 'rollback_succeeded':
    case 'rollback_failed': {
      const what = item.kind.replace('rollback_', '');
      const target = [str(p.service), str(p.environment) && `(${str(p.environment)})`]
        .filter(Boolean)
        .join(' ');
      // The deploy module records `from`/`to` (versions) and `reason`; older names kept as fallbacks.
      const from = str(p.from) ?? str(p.fromVersion);
      const to = str(p.to) ?? str(p.toVersion);
      const versions = from || to ? `: ${from ?? '?'} → ${to ?? '?'}` : '';
      line = `↩️ Rollback ${what}${target ? ` of ${escapeInline(target)}` : ''}${escapeInline(versions)} (${by})`;
      const reason = str(p.reason) ?? str(p.error);
      if (item.kind === 'rollback_failed' && reason) rest = body(reason);
      break;
    }
    case 'freeze_created':
    case 'freeze_lifted':
    case 'freeze_expired': {
      const what = item.kind.replace('freeze_', '');
      const scope = Array.isArray(p.services) ? (p.services as unknown[]).join(', ') : '';
      line = `🧊 Deploy freeze ${what}${scope ? ` (${escapeInline(scope)})` : ''}${str(p.reason) ? `: ${escapeInline(str(p.reason) ?? '')}` : ''} (${by})`;
      break;
    }
    case 'freeze_rescheduled': {
      const until = str(p.expiresAt) ? utc(new Date(str(p.expiresAt) ?? '')) : '?';
      const alert = escapeInline(str(p.alertname) ?? 'its alert');
      line =
        p.why === 'fired_again'
          ? `🧊 Deploy freeze #${escapeInline(String(p.freezeId ?? '?'))} held again: ${alert} fired again`
          : `🧊 Deploy freeze #${escapeInline(String(p.freezeId ?? '?'))} lifts at ${until}: ${alert} resolved before the minimum freeze`;
      break;
    }
    case 'gate_fix_pass':
      line = `🚦 Fix deploy of ${escapeInline([str(p.service), str(p.environment) && `(${str(p.environment)})`].filter(Boolean).join(' '))}${str(p.deploy) ? ` ${escapeInline(str(p.deploy) ?? '')}` : ''} passed the incident gate`;
      break;
    case 'auto_rollback_decided': {
      const target = `${str(p.service) ?? '?'} (${str(p.environment) ?? '?'})`;
      const versions = str(p.to) ? `: ${str(p.from) ?? '?'} → ${str(p.to)}` : '';
      const reasons = Array.isArray(p.reasons) ? (p.reasons as unknown[]).map(String) : [];
      const verdict =
        p.decision === 'scheduled'
          ? 'scheduled, with a veto'
          : p.decision === 'shadow'
            ? 'would have rolled back (shadow mode)'
            : `did not act: ${reasons.join('; ')}`;
      line = `🤖 Automatic rollback of ${escapeInline(target + versions)} ${escapeInline(verdict)} (${escapeInline(str(p.policy) ?? 'deploys.autoRollback')})`;
      break;
    }
    case 'auto_rollback_settled': {
      const status = str(p.status) ?? '?';
      const why = str(p.reason) ? `: ${str(p.reason)}` : '';
      line = `🤖 Automatic rollback of ${escapeInline(`${str(p.service) ?? '?'} (${str(p.environment) ?? '?'})`)} ${escapeInline(status + why)} (${by})`;
      break;
    }
    case 'page_triggered':
      line = `📟 Paged${str(p.service) ? ` ${escapeInline(str(p.service) ?? '')}` : ''} (${by})`;
      break;
    case 'page_failed':
      line = `📟 Paging failed${str(p.service) ? ` for ${escapeInline(str(p.service) ?? '')}` : ''}${str(p.error) ? `: ${escapeInline(str(p.error) ?? '')}` : ''}`;
      break;
    case 'escalation_called': {
      const named = [
        ...(str(p.broadcast) ? [`@${str(p.broadcast)}`] : []),
        ...(Array.isArray(p.groups)
          ? (p.groups as unknown[]).map((g) => `group ${escapeInline(String(g))}`)
          : []),
        ...(Array.isArray(p.users) ? (p.users as unknown[]).map((u) => who(str(u))) : []),
      ];
      line = `⏫ Escalation ${str(p.tier) ?? '?'} of ${str(p.of) ?? '?'} called out while unacknowledged: ${named.length ? named.join(', ') : 'nobody to call'}`;
      break;
    }
    case 'escalation_deferred':
      line = `📟 Escalation left to PagerDuty (${escapeInline(Array.isArray(p.services) ? (p.services as unknown[]).join(', ') : '')} page through it)`;
      break;
    case 'checklist_ticked':
    case 'checklist_unticked':
      line = `☑️ Checklist step ${item.kind === 'checklist_ticked' ? 'ticked' : 'unticked'} by ${by}: ${escapeInline(str(p.step) ?? '')}`;
      break;
    case 'cause_recorded':
      line =
        p.causedByDeploy === true
          ? `Cause recorded by ${by}: the deploy of ${escapeInline(`${str(p.service) ?? '?'} ${str(p.version) ?? ''}`.trim())}`
          : `Cause recorded by ${by}: not one of the suspect deploys`;
      break;
    default:
      line = `${escapeInline(item.kind)} (${by})`;
  }
  return `- **${utc(item.at)}** · ${line}${rest}`;
}

function timelineSection(r: PostmortemRecord, maxMessage: number, who: Who): string {
  const { items, omitted, omittedAfter } = r.timeline;
  if (items.length === 0) return ['## Timeline', '', 'The timeline is empty.'].join('\n');
  const lines = items.map((item) => entry(item, maxMessage, who));
  if (omittedAfter !== null) {
    lines.splice(
      omittedAfter,
      0,
      `- _… ${omitted} more entries omitted here; the full record is at \`GET /api/v1/incidents/${r.incident.id}/timeline\`._`,
    );
  }
  return [
    '## Timeline',
    '',
    '_Times in UTC. Pinned messages appear at the time they were written._',
    '',
    lines.join('\n'),
  ].join('\n');
}

/** " — issue [owner/repo#12](https://…)" for a follow-up exported to a tracker. */
function issueLink(f: PostmortemRecord['followups'][number]): string {
  if (!f.trackerKey) return '';
  const url = f.trackerUrl && /^https?:\/\/[^\s<>()]+$/.test(f.trackerUrl) ? f.trackerUrl : null;
  const key = escapeInline(f.trackerKey);
  return url ? ` — issue [${key}](${url})` : ` — issue ${key}`;
}

function followupsSection(r: PostmortemRecord, who: Who): string {
  const lines = ['## Follow-ups', ''];
  if (r.followups.length === 0) {
    lines.push(
      TO_FILL('None yet. Add them in the channel with /incident followup <text> [@owner].'),
    );
    return lines.join('\n');
  }
  for (const f of r.followups) {
    const owner = f.ownerId ? ` — owner ${who(f.ownerId)}` : ' — no owner yet';
    const text = escapeInline(truncateText(f.text, 1000));
    const issue = issueLink(f);
    if (f.state === 'done') lines.push(`- [x] #${f.id} ${text}${owner} (done)${issue}`);
    else if (f.state === 'wont_do')
      lines.push(`- [ ] ~~#${f.id} ${text}~~${owner} (won't do)${issue}`);
    else lines.push(`- [ ] #${f.id} ${text}${owner}${issue}`);
  }
  return lines.join('\n');
}
