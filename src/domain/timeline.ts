// What happened during an incident, as the append-only timeline records it (src/timeline/).

/** Every kind of fact the record holds. Add a kind here before recording it. */
export const TIMELINE_KINDS = [
  'incident_opened',
  'incident_declared',
  'alert_firing',
  'alert_resolved',
  'alerts_all_resolved',
  // How many alerts of a group the latest notification left out (Alertmanager max_alerts, size).
  'alerts_cut',
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
  'pin_withdrawn',
  'reminder_sent',
  'reminder_snoozed',
  'permission_denied',
  'deploy_seen',
  'suspect_marked',
  'rollback_requested',
  'rollback_started',
  'rollback_succeeded',
  'rollback_failed',
  'freeze_created',
  'freeze_lifted',
  'freeze_expired',
  // An alert freeze (deploys.freezeOnAlerts) moved: its alert resolved early, or fired again.
  'freeze_rescheduled',
  // A fix deploy passed the incident gate (GET /api/v1/gates/deploy?fix=INC-n).
  'gate_fix_pass',
  // deploys.autoRollback: the guard's decision, then how a countdown ended.
  'auto_rollback_decided',
  'auto_rollback_settled',
  'page_requested',
  'page_triggered',
  'page_failed',
  'pagerduty_event',
  'followup_added',
  'followup_changed',
  'followup_export_requested',
  'followup_exported',
  'followup_export_failed',
  'cause_recorded',
  'channel_created',
  // A private incident made public (`/incident public`): listed, on the App Home, announced.
  'incident_made_public',
  'channel_archive_scheduled',
  'channel_archived',
  'delivery_failed',
  // Escalation without PagerDuty (a tier called out; or left to PagerDuty) and the checklist.
  'escalation_called',
  'escalation_deferred',
  'checklist_ticked',
  'checklist_unticked',
] as const;

export type TimelineKind = (typeof TIMELINE_KINDS)[number];

export interface TimelineInput {
  /** Null records into the global audit stream (freezes without an incident, denied actions…). */
  incidentId: number | null;
  kind: TimelineKind;
  /** When it happened: the original time (a pinned message's ts, an alert's startsAt), not now. */
  at: Date;
  /** Slack user id, or the system that acted ("firebreak", "alertmanager", "pagerduty:PXXXX"). */
  actor: string;
  source: string;
  payload?: Record<string, unknown>;
  /** Recording the same dedupeKey twice in one stream keeps the first entry only. */
  dedupeKey?: string;
}

export interface TimelineEntry {
  id: number;
  incidentId: number | null;
  seq: number;
  at: Date;
  recordedAt: Date;
  kind: TimelineKind;
  actor: string;
  source: string;
  payload: Record<string, unknown>;
}
