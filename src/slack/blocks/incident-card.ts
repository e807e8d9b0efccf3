import type { types } from '@slack/bolt';
import { incidentRef, SEVERITIES, type Severity, type State } from '../../domain/incident.js';
import type { AlertSummary, IncidentView, SuspectView } from '../../read-model/incident-view.js';
import { actions, blocks as ids } from '../ids.js';
import { autoRollbackCountdown } from './auto-rollback.js';
import { checklistBlocks } from './checklist.js';
import { rollbackButton } from './deploy.js';
import { escalationNotice } from './escalation.js';
import {
  channelLink,
  duration,
  escapeText,
  link,
  mention,
  mrkdwn,
  plain,
  safeUrl,
  slackDate,
  truncate,
  truncateMarkup,
} from './text.js';

type Block = types.KnownBlock;

const SEVERITY_LABEL: Record<Severity, string> = {
  sev1: '🔴 SEV1',
  sev2: '🟠 SEV2',
  sev3: '🟡 SEV3',
  sev4: '🔵 SEV4',
};

const STATE_LABEL: Record<State, string> = {
  triage: 'Triage',
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
};

export const severityLabel = (s: Severity) => SEVERITY_LABEL[s];
export const stateLabel = (s: State) => STATE_LABEL[s];

/** One-line summary: the notification text and the fallback for clients without blocks. */
export function cardText(view: IncidentView): string {
  const i = view.incident;
  return truncateMarkup(
    `${incidentRef(i.id)} ${escapeText(i.title)} · ${SEVERITY_LABEL[i.severity]} · ${STATE_LABEL[i.state]}`,
    3000,
  );
}

/** The pinned incident card. Always rendered from the record, never patched. */
export function incidentCard(view: IncidentView): Block[] {
  const i = view.incident;
  const open = i.state !== 'resolved';
  const value = String(i.id);
  const out: Block[] = [
    {
      type: 'header',
      block_id: ids.cardHeader,
      text: plain(`${open ? '🔥' : '✅'} ${incidentRef(i.id)} · ${i.title}`, 150),
    },
    {
      type: 'section',
      block_id: ids.cardFields,
      fields: [
        mrkdwn(`*Severity*\n${SEVERITY_LABEL[i.severity]}`),
        mrkdwn(`*State*\n${STATE_LABEL[i.state]}`),
        mrkdwn(`*Owner*\n${mention(i.ownerId)}`),
        mrkdwn(
          `*Services*\n${i.services.length ? escapeText(i.services.join(', ')) : '_none yet_'}`,
          2000,
        ),
        mrkdwn(`*Environment*\n${escapeText(i.environment)}`),
        mrkdwn(`*Alerts*\n${alertCounts(view)}`),
      ],
    },
  ];
  if (i.description) out.push({ type: 'section', text: mrkdwn(escapeText(i.description), 3000) });
  if (view.alerts.latest.length > 0) {
    const lines = view.alerts.latest.map(
      (a) =>
        `${a.status === 'firing' ? '🔺' : '✔︎'} ${link(a.url, truncate(a.title, 150))}${a.service ? ` · ${escapeText(a.service)}` : ''}${differences(a.differs)}`,
    );
    out.push({ type: 'section', block_id: ids.cardAlerts, text: mrkdwn(lines.join('\n')) });
  }
  if (view.alerts.cut > 0) {
    out.push({
      type: 'context',
      elements: [
        mrkdwn(
          `✂️ *${view.alerts.cut} ${view.alerts.cut === 1 ? 'alert was' : 'alerts were'} cut* from the latest notification (Alertmanager \`max_alerts\` or firebreak's size limit): the card counts only the alerts received.`,
        ),
      ],
    });
  }
  if (view.storm) out.push(stormBlock(view.storm));
  if (open && view.alerts.firing === 0 && view.alerts.resolved > 0) {
    out.push({
      type: 'section',
      text: mrkdwn(
        '✅ *Every alert has resolved.* Resolve the incident when you are satisfied it is over.',
      ),
    });
  }
  out.push({ type: 'context', block_id: ids.cardMilestones, elements: [mrkdwn(milestones(view))] });
  const escalation = escalationNotice(view);
  if (escalation) out.push(escalation);
  out.push(...suspectBlocks(view));
  if (view.freezes.length > 0) {
    const text = view.freezes
      .map(
        (f) =>
          `🧊 *Deploys frozen* for ${escapeText(f.services.join(', '))} × ${escapeText(f.environments.join(', '))} until ${slackDate(f.expiresAt, '{time}')} — ${escapeText(truncate(f.reason, 200))}`,
      )
      .join('\n');
    out.push({ type: 'section', block_id: ids.cardFreeze, text: mrkdwn(text) });
  }
  if (open && view.autoRollback) out.push(autoRollbackCountdown(view.autoRollback));
  if (view.pages.length > 0) {
    const text = view.pages
      .map(
        (p) =>
          `📟 ${link(p.htmlUrl, `PagerDuty ${p.pdIncidentId ?? ''}`.trim())} (${escapeText(p.service)}): ${escapeText(p.status)}`,
      )
      .join('\n');
    out.push({ type: 'context', block_id: ids.cardPages, elements: [mrkdwn(text)] });
  }
  const runbooks = runbookButtons(view);
  if (runbooks) out.push(runbooks);
  out.push(...checklistBlocks(view));
  if (open) out.push(cardActions(view, value));
  return out;
}

/** Link buttons to the runbooks; a URL that is not plain http(s) is left out, never linked. */
function runbookButtons(view: IncidentView): types.ActionsBlock | null {
  const elements: types.ActionsBlockElement[] = [];
  for (const { label, url } of view.runbooks) {
    const safe = safeUrl(url);
    if (!safe) continue;
    const n = elements.length;
    elements.push({
      type: 'button',
      action_id: actions.runbook(n),
      text: plain(`📖 ${truncate(label, 60, '…')}`),
      url: safe,
    });
  }
  return elements.length > 0 ? { type: 'actions', block_id: ids.cardRunbooks, elements } : null;
}

/** The groups gathered into the storm incident: a bounded list, then "and N more". */
function stormBlock(storm: NonNullable<IncidentView['storm']>): Block {
  const lines = storm.groups.map(
    (g) =>
      `• \`${escapeText(truncate(g.groupKey, 120)).replace(/`/g, "'")}\`${g.services.length ? ` · ${escapeText(truncate(g.services.join(', '), 100))}` : ''} · ${g.alerts} ${g.alerts === 1 ? 'alert' : 'alerts'}`,
  );
  const more = storm.total - storm.groups.length;
  if (more > 0) lines.push(`_and ${more} more_`);
  return {
    type: 'section',
    text: mrkdwn(`*Alert groups gathered here (${storm.total})*\n${lines.join('\n')}`, 3000),
  };
}

/** ` · instance=db-1, pod=api-7`: what tells an alert apart from others with its title. */
function differences(differs: AlertSummary['differs']): string {
  if (differs.length === 0) return '';
  const pairs = differs.map(
    ({ name, value }) => `${truncate(name, 40, '…')}=${truncate(value, 60, '…')}`,
  );
  return ` · ${escapeText(pairs.join(', '))}`;
}

function alertCounts(view: IncidentView): string {
  const { firing, resolved } = view.alerts;
  if (firing + resolved === 0) return '_none_';
  return [firing ? `${firing} firing` : '', resolved ? `${resolved} resolved` : '']
    .filter(Boolean)
    .join(' · ');
}

function milestones(view: IncidentView): string {
  const i = view.incident;
  const parts: string[] = [];
  if (i.impactStartedAt) parts.push(`Impact from ${slackDate(i.impactStartedAt)}`);
  parts.push(
    `${i.source === 'declared' ? 'Declared' : 'Detected'} ${slackDate(i.detectedAt ?? i.declaredAt)}`,
  );
  if (i.acknowledgedAt) parts.push(`Acknowledged ${slackDate(i.acknowledgedAt, '{time}')}`);
  if (i.mitigatedAt) parts.push(`Mitigated ${slackDate(i.mitigatedAt, '{time}')}`);
  if (i.resolvedAt) {
    const start = i.impactStartedAt ?? i.detectedAt ?? i.declaredAt;
    parts.push(
      `Resolved ${slackDate(i.resolvedAt, '{time}')} (${duration(i.resolvedAt.getTime() - start.getTime())})`,
    );
  }
  const { statusUpdateAt, ownerCallOutAt, waitingForOfficeHours } = view.reminders;
  if (ownerCallOutAt) parts.push(`Next call for an owner ${slackDate(ownerCallOutAt)}`);
  if (statusUpdateAt) parts.push(`Next status reminder ${slackDate(statusUpdateAt)}`);
  if (waitingForOfficeHours) parts.push('_(sev3/sev4 reminders wait for office hours)_');
  return parts.join(' · ');
}

function suspectLine(s: SuspectView): string {
  const when =
    s.minutesBeforeDetection >= 0
      ? `${duration(s.minutesBeforeDetection * 60_000)} before the first alert`
      : `${duration(-s.minutesBeforeDetection * 60_000)} after detection`;
  const status =
    s.status === 'succeeded' ? '' : s.status === 'failed' ? ' · ❌ failed' : ' · ⏳ still running';
  const who = s.actor ? ` by ${escapeText(s.actor)}` : '';
  const compare = s.compareUrl ? ` · ${link(s.compareUrl, 'changes')}` : '';
  const verdict =
    s.verdict === 'causal'
      ? ' · *confirmed cause*'
      : s.verdict === 'not_related'
        ? ' · ~not related~'
        : '';
  return `*${link(s.url, s.version)}* to ${escapeText(s.service)}/${escapeText(s.environment)}${who}, ${when}${status}${compare}${verdict}`;
}

function suspectBlocks(view: IncidentView): Block[] {
  const shown = view.suspects.filter((s) => s.verdict !== 'not_related').slice(0, 5);
  if (shown.length === 0) return [];
  const out: Block[] = [
    {
      type: 'section',
      block_id: ids.cardSuspects,
      text: mrkdwn('*Suspect deploys* (recent changes, not a verdict)'),
    },
  ];
  for (const s of shown) {
    out.push({ type: 'section', text: mrkdwn(suspectLine(s)) });
    if (view.incident.state === 'resolved') continue;
    const rollbackActive =
      s.rollback && (s.rollback.status === 'requested' || s.rollback.status === 'running');
    const rolledBack = s.rollback?.status === 'succeeded';
    const elements: types.Button[] = [];
    if (s.rollbackTo && !rollbackActive && !rolledBack) {
      elements.push(
        rollbackButton(
          {
            incidentId: view.incident.id,
            deployId: s.deployId,
            toDeployId: s.rollbackTo.deployId,
            retryOf: s.rollback?.status === 'failed' ? s.rollback.id : null,
          },
          {
            service: s.service,
            environment: s.environment,
            from: s.version,
            to: s.rollbackTo.version,
          },
          s.rollback?.status === 'failed'
            ? `Retry roll back to ${s.rollbackTo.version}`
            : `Roll back to ${s.rollbackTo.version}`,
        ),
      );
    }
    if (s.verdict === 'suspect') {
      elements.push({
        type: 'button',
        action_id: actions.notRelated,
        text: plain('Not related'),
        value: JSON.stringify({ incidentId: view.incident.id, deployId: s.deployId }),
      });
    }
    const note = rollbackActive
      ? `⏳ Rollback ${s.rollback?.status}…`
      : rolledBack
        ? `✅ Rolled back to ${escapeText(s.rollbackTo?.version ?? 'the previous version')}.`
        : s.rollback?.status === 'failed'
          ? '❌ The last rollback failed (see its thread).'
          : s.rollbackTo
            ? null
            : 'No earlier successful deploy to roll back to.';
    if (note) out.push({ type: 'context', elements: [mrkdwn(note)] });
    if (elements.length > 0)
      out.push({ type: 'actions', block_id: ids.suspect(s.deployId), elements });
  }
  return out;
}

function cardActions(view: IncidentView, value: string): types.ActionsBlock {
  const i = view.incident;
  const elements: types.ActionsBlockElement[] = [];
  if (!i.acknowledgedAt) {
    elements.push({
      type: 'button',
      action_id: actions.acknowledge,
      text: plain('Acknowledge'),
      style: 'primary',
      value,
    });
  }
  elements.push({
    type: 'button',
    action_id: actions.takeCommand,
    text: plain(i.ownerId ? 'Take command' : 'Take command (unassigned)'),
    value,
  });
  elements.push({
    type: 'static_select',
    action_id: actions.severity,
    placeholder: plain('Severity'),
    initial_option: { text: plain(SEVERITY_LABEL[i.severity]), value: `${i.id}:${i.severity}` },
    options: SEVERITIES.map((s) => ({ text: plain(SEVERITY_LABEL[s]), value: `${i.id}:${s}` })),
  });
  elements.push({
    type: 'button',
    action_id: actions.pageOnCall,
    text: plain('Page on-call'),
    value,
  });
  elements.push({
    type: 'button',
    action_id: actions.freeze,
    text: plain('Freeze deploys'),
    value,
  });
  elements.push({ type: 'button', action_id: actions.resolve, text: plain('Resolve'), value });
  return { type: 'actions', block_id: ids.cardActions, elements };
}

/**
 * The channel topic: what someone glancing at the channel header needs. Slack allows 250
 * characters. Slack keeps `&`, `<` and `>` in a topic as entities, like in a message, so the
 * title and services are escaped here too: a title of `<!channel>` stays text.
 */
export function topicText(view: IncidentView): string {
  const i = view.incident;
  const owner = i.ownerId ? `Owner <@${i.ownerId}>` : 'No owner';
  const services = i.services.length ? ` · ${escapeText(i.services.join(', '))}` : '';
  return truncateMarkup(
    `${SEVERITY_LABEL[i.severity]} · ${STATE_LABEL[i.state]} · ${owner}${services} · ${escapeText(i.title)}`,
    250,
    '…',
  );
}

/** The one message in the announce channel, updated in place as the incident moves. */
export function announcementBlocks(view: IncidentView): Block[] {
  const i = view.incident;
  const where = i.channelId ? channelLink(i.channelId) : '_channel being created_';
  const status =
    i.state === 'resolved' && i.resolvedAt
      ? `✅ Resolved after ${duration(i.resolvedAt.getTime() - (i.impactStartedAt ?? i.declaredAt).getTime())}`
      : `${SEVERITY_LABEL[i.severity]} · ${STATE_LABEL[i.state]} · ${mention(i.ownerId)}`;
  return [
    {
      type: 'section',
      block_id: ids.announcement(i.id),
      text: mrkdwn(
        `${i.state === 'resolved' ? '✅' : '🔥'} *${incidentRef(i.id)}* ${escapeText(truncate(i.title, 200))}\n${status} · ${where}`,
      ),
    },
  ];
}
