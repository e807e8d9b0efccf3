import { rollbackTarget } from '../deploy/suspects.js';
import { distinguishingLabels, type LabelDifference } from '../domain/alert-labels.js';
import { blockingFreezes } from '../domain/freeze.js';
import { type Incident, isOpen } from '../domain/incident.js';
import type { OfficeHours } from '../domain/office-hours.js';
import { reminderTime } from '../incidents/office-hours.js';
import { STORM_GROUP_KEY, type StormGroup, stormGroups } from '../incidents/storm.js';
import { pendingAutoRollbackOf } from '../store/auto-rollbacks.js';
import { checklistOf } from '../store/checklist.js';
import { findDeploy } from '../store/deploys.js';
import {
  activeFreezes,
  alertCounts,
  incidentGroupKey,
  latestAlerts,
  latestRollbackFrom,
  pagesOf,
  runbookUrls,
  suspectLinks,
} from '../store/incident-view.js';
import { findIncidentRow, getIncident } from '../store/incidents.js';
import { lastRecordedCut } from '../store/intake.js';
import { reminderDueTimes } from '../store/reminders.js';
import type { Tx } from '../store/unit-of-work.js';

export interface AlertSummary {
  title: string;
  status: 'firing' | 'resolved';
  service: string | null;
  url: string | null;
  startsAt: Date | null;
  /** The labels that tell it apart from the other lines with the same title (none if unique). */
  differs: LabelDifference[];
}

export interface SuspectView {
  deployId: number;
  service: string;
  environment: string;
  version: string;
  previousVersion: string | null;
  actor: string | null;
  status: 'started' | 'succeeded' | 'failed';
  url: string | null;
  compareUrl: string | null;
  at: Date;
  /** Minutes between the deploy and detection; negative when it landed after detection. */
  minutesBeforeDetection: number;
  verdict: 'suspect' | 'not_related' | 'causal';
  verdictBy: string | null;
  /** The last successful deploy before this one: what Roll back would go back to. */
  rollbackTo: { deployId: number; version: string } | null;
  rollback: { id: number; status: 'requested' | 'running' | 'succeeded' | 'failed' } | null;
}

export interface FreezeView {
  id: number;
  services: string[];
  environments: string[];
  reason: string;
  createdBy: string;
  expiresAt: Date;
}

export interface PageView {
  id: number;
  service: string;
  status: 'requested' | 'triggered' | 'acknowledged' | 'resolved' | 'failed';
  htmlUrl: string | null;
  pdIncidentId: string | null;
}

/** Everything the incident card shows, read in one place so the card is always the record. */
export interface IncidentView {
  incident: Incident;
  /** `cut`: alerts the latest notification left out (max_alerts, size limit); 0 when none. */
  alerts: { firing: number; resolved: number; latest: AlertSummary[]; cut: number };
  /** For the alert storm incident: the groups gathered into it (the first few) and how many. */
  storm: { groups: StormGroup[]; total: number } | null;
  suspects: SuspectView[];
  freezes: FreezeView[];
  pages: PageView[];
  /** Runbooks: the alerts' `runbook_url` annotations, then the services' configured ones. */
  runbooks: { label: string; url: string }[];
  /** When the next reminders come, office hours applied; null when none is scheduled. */
  reminders: ReminderTimes;
  /** An automatic rollback counting down (deploys.autoRollback, mode on); absent: none. */
  autoRollback?: AutoRollbackCountdown | null;
  /** The services' checklist steps in order, and who last ticked or unticked each. */
  checklist: ChecklistStepView[];
  /** When the next escalation tier is called out unless someone acknowledges; null: none. */
  escalationDueAt: Date | null;
}

export interface ChecklistStepView {
  text: string;
  checked: boolean;
  changedBy: string | null;
  changedAt: Date | null;
}

export interface ReminderTimes {
  statusUpdateAt: Date | null;
  ownerCallOutAt: Date | null;
  /** True when office hours put one of them off past its plain due time. */
  waitingForOfficeHours: boolean;
}

export interface AutoRollbackCountdown {
  id: number;
  service: string | null;
  environment: string;
  to: string | null;
  deadlineAt: Date;
}

async function countdownOf(tx: Tx, incidentId: number): Promise<AutoRollbackCountdown | null> {
  const row = await pendingAutoRollbackOf(tx, incidentId);
  if (!row?.deadlineAt) return null;
  const to = row.toDeployId !== null ? await findDeploy(tx, row.toDeployId) : undefined;
  return {
    id: row.id,
    service: row.service,
    environment: row.environment,
    to: to?.version ?? null,
    deadlineAt: row.deadlineAt,
  };
}

const LATEST_ALERTS = 5;
/** Groups listed on a storm card; the rest are counted ("and N more"). */
export const STORM_GROUPS_SHOWN = 15;

/** Runbook buttons on one card: Slack's blocks stay short, and people need the first few. */
export const MAX_RUNBOOKS = 5;

export async function buildIncidentView(
  tx: Tx,
  incidentId: number,
  now: Date,
  options: {
    serviceRunbook?: (service: string) => string | undefined;
    officeHours?: OfficeHours;
  } = {},
): Promise<IncidentView> {
  const incident = await getIncident(tx, incidentId);
  return {
    incident,
    alerts: await alertSummary(tx, incidentId),
    storm:
      (await incidentGroupKey(tx, incidentId)) === STORM_GROUP_KEY
        ? await stormGroups(tx, incidentId, STORM_GROUPS_SHOWN)
        : null,
    suspects: await suspectsOf(tx, incident),
    freezes: await freezesFor(tx, incident, now),
    pages: await pagesOf(tx, incidentId),
    runbooks: runbooksOf(
      await runbookUrls(tx, incidentId, MAX_RUNBOOKS),
      incident.services.map((service) => ({ service, url: options.serviceRunbook?.(service) })),
    ),
    reminders: await reminderTimes(tx, incident, options.officeHours),
    autoRollback: await countdownOf(tx, incidentId),
    checklist: (await checklistOf(tx, incidentId)).map(
      ({ text, checked, changedBy, changedAt }) => ({
        text,
        checked,
        changedBy,
        changedAt,
      }),
    ),
    escalationDueAt: (await findIncidentRow(tx, incidentId))?.escalationDueAt ?? null,
  };
}

async function reminderTimes(
  tx: Tx,
  incident: Incident,
  hours: OfficeHours | undefined,
): Promise<ReminderTimes> {
  const due = isOpen(incident.state) ? await reminderDueTimes(tx, incident.id) : undefined;
  const status = due?.nextUpdateDueAt ?? null;
  const owner = incident.ownerId ? null : (due?.ownerReminderAt ?? null);
  const statusUpdateAt = status && (await reminderTime(tx, incident, status, hours));
  const ownerCallOutAt = owner && (await reminderTime(tx, incident, owner, hours));
  return {
    statusUpdateAt,
    ownerCallOutAt,
    waitingForOfficeHours:
      (status !== null && statusUpdateAt !== null && statusUpdateAt > status) ||
      (owner !== null && ownerCallOutAt !== null && ownerCallOutAt > owner),
  };
}

function runbooksOf(
  fromAlerts: readonly string[],
  fromServices: readonly { service: string; url: string | undefined }[],
): IncidentView['runbooks'] {
  // Only web links are numbered and shown (the card checks each again before linking it).
  const web = fromAlerts.filter((url) => /^https?:\/\//i.test(url));
  const runbooks = web.map((url, i) => ({
    label: web.length === 1 ? 'Runbook' : `Runbook ${i + 1}`,
    url,
  }));
  for (const { service, url } of fromServices)
    if (url && !runbooks.some((r) => r.url === url))
      runbooks.push({ label: `${service} runbook`, url });
  return runbooks.slice(0, MAX_RUNBOOKS);
}

async function alertSummary(tx: Tx, incidentId: number): Promise<IncidentView['alerts']> {
  // Counted in SQL and only the latest few loaded: a storm puts thousands of alerts on one card.
  const { firing, resolved } = await alertCounts(tx, incidentId);
  const latest = await latestAlerts(tx, incidentId, {
    firingOnly: firing > 0,
    limit: LATEST_ALERTS,
  });
  const differs = distinguishingLabels(latest);
  return {
    firing,
    resolved,
    latest: latest.map(({ labels: _, ...line }, i) => ({ ...line, differs: differs[i] ?? [] })),
    cut: await lastRecordedCut(tx, incidentId),
  };
}

async function suspectsOf(tx: Tx, incident: Incident): Promise<SuspectView[]> {
  const detected = (incident.detectedAt ?? incident.declaredAt).getTime();
  const views: SuspectView[] = [];
  for (const { link, deploy } of await suspectLinks(tx, incident.id)) {
    const target = await rollbackTarget(tx, deploy);
    const rollback = await latestRollbackFrom(tx, incident.id, deploy.id);
    views.push({
      deployId: deploy.id,
      service: deploy.service,
      environment: deploy.environment,
      version: deploy.version,
      previousVersion: deploy.previousVersion,
      actor: deploy.actor,
      status: deploy.status,
      url: deploy.url,
      compareUrl: deploy.compareUrl,
      at: deploy.at,
      minutesBeforeDetection: Math.round((detected - deploy.at.getTime()) / 60_000),
      verdict: link.verdict,
      verdictBy: link.verdictBy,
      rollbackTo: target ? { deployId: target.id, version: target.version } : null,
      rollback: rollback ?? null,
    });
  }
  return views;
}

async function freezesFor(tx: Tx, incident: Incident, now: Date): Promise<FreezeView[]> {
  const active = await activeFreezes(tx, now);
  const services = incident.services.length > 0 ? incident.services : ['*'];
  const relevant = active.filter(
    (f) =>
      f.incidentId === incident.id ||
      services.some(
        (service) =>
          blockingFreezes([f], { service, environment: incident.environment }, now).length > 0,
      ),
  );
  return relevant.map((f) => ({
    id: f.id,
    services: f.services,
    environments: f.environments,
    reason: f.reason,
    createdBy: f.createdBy,
    expiresAt: f.expiresAt,
  }));
}
