import type { Incident } from '../domain/incident.js';
import type {
  AlertItem,
  DeployItem,
  FollowupItem,
  FreezeItem,
  PageItem,
  RollbackItem,
  TimelineItem,
} from '../domain/postmortem.js';
import { checklistOf } from '../store/checklist.js';
import { getIncident } from '../store/incidents.js';
import {
  alertsOf,
  deploysOf,
  followupsOf,
  freezesOf,
  pageItemsOf,
  type RawTimelineItem,
  rollbacksOf,
  timelineInTimeOrder,
  toTimelineItem,
  withdrawnPinSeqs,
} from '../store/postmortem.js';
import type { Tx } from '../store/unit-of-work.js';
import { streamOf, type TimelineKind } from '../timeline/timeline.js';

/** Everything the postmortem draft is written from, read in one place. */
export interface PostmortemRecord {
  incident: Incident;
  alerts: { total: number; firing: number; items: AlertItem[] };
  deploys: DeployItem[];
  rollbacks: RollbackItem[];
  freezes: FreezeItem[];
  pages: PageItem[];
  followups: FollowupItem[];
  /** The checklist steps in order, as they ended, and who last changed each. */
  checklist: { text: string; checked: boolean; changedBy: string | null; changedAt: Date | null }[];
  /** The curated timeline in time order; when longer than the limit, its head and tail. */
  timeline: { items: TimelineItem[]; omitted: number; omittedAfter: number | null };
}

/** What goes into the curated timeline: what people said and did, and the bot's key events. */
export const CURATED_KINDS = [
  'incident_opened',
  'incident_declared',
  'alert_firing',
  'alerts_all_resolved',
  'state_changed',
  'severity_changed',
  'owner_changed',
  'acknowledged',
  'mitigated',
  'resolved',
  'reopened',
  'status_update',
  'note',
  'pinned',
  'deploy_seen',
  'rollback_requested',
  'rollback_started',
  'rollback_succeeded',
  'rollback_failed',
  'freeze_created',
  'freeze_lifted',
  'freeze_expired',
  'freeze_rescheduled',
  'gate_fix_pass',
  'auto_rollback_decided',
  'auto_rollback_settled',
  'page_triggered',
  'page_failed',
  'cause_recorded',
  'escalation_called',
  'escalation_deferred',
  'checklist_ticked',
  'checklist_unticked',
  'incident_made_public',
] as const satisfies readonly TimelineKind[];

export interface LoadOptions {
  /** Alerts listed (the rest are counted). */
  maxAlerts?: number;
  /** Curated timeline entries kept: the first and last half of this many. */
  maxTimeline?: number;
}

/**
 * Streams the incident's curated events in time order (original times: a pinned message sits
 * where it was written) and keeps a bounded head and tail, so memory stays flat however long
 * the record is. Only the first alert firing is kept: the alerts have their own section.
 */
async function curatedTimeline(
  tx: Tx,
  incidentId: number,
  max: number,
): Promise<PostmortemRecord['timeline']> {
  const stream = streamOf(incidentId);
  const withdrawn = await withdrawnPinSeqs(tx, stream);
  const rows = await timelineInTimeOrder(tx, stream, CURATED_KINDS);
  const headSize = Math.ceil(max / 2);
  const tailSize = max - headSize;
  // Rows stay raw (payload unparsed) until we know they are kept: most of a long record is
  // skipped over, and parsing it would cost more than reading it.
  const head: RawTimelineItem[] = [];
  const tail: RawTimelineItem[] = [];
  let omitted = 0;
  let firstAlertSeen = false;
  for (const raw of rows) {
    if (raw.kind === 'pinned' && withdrawn.has(raw.seq)) continue;
    if (raw.kind === 'alert_firing') {
      if (firstAlertSeen) continue;
      firstAlertSeen = true;
    }
    if (head.length < headSize) head.push(raw);
    else {
      tail.push(raw);
      if (tail.length > tailSize) {
        tail.shift();
        omitted++;
      }
    }
  }
  return {
    items: [...head, ...tail].map(toTimelineItem),
    omitted,
    omittedAfter: omitted > 0 ? head.length : null,
  };
}

/** Reads everything about one incident that its postmortem draft needs. */
export async function loadPostmortemRecord(
  tx: Tx,
  incidentId: number,
  options: LoadOptions = {},
): Promise<PostmortemRecord> {
  const incident = await getIncident(tx, incidentId);
  const maxAlerts = options.maxAlerts ?? 50;

  return {
    incident,
    alerts: await alertsOf(tx, incidentId, maxAlerts),
    deploys: await deploysOf(tx, incidentId),
    rollbacks: await rollbacksOf(tx, incidentId),
    freezes: await freezesOf(tx, incidentId),
    pages: await pageItemsOf(tx, incidentId),
    followups: await followupsOf(tx, incidentId),
    checklist: (await checklistOf(tx, incidentId)).map(
      ({ text, checked, changedBy, changedAt }) => ({ text, checked, changedBy, changedAt }),
    ),
    timeline: await curatedTimeline(tx, incidentId, options.maxTimeline ?? 400),
  };
}
