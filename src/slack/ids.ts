/** action_id / callback_id / block_id constants shared by the block builders and the listeners. */
export const actions = {
  acknowledge: 'incident_acknowledge',
  takeCommand: 'incident_take_command',
  severity: 'incident_severity',
  pageOnCall: 'incident_page_oncall',
  rollback: 'deploy_rollback',
  notRelated: 'deploy_not_related',
  freeze: 'deploy_freeze',
  resolve: 'incident_resolve',
  markMitigated: 'incident_mark_mitigated',
  snooze: 'reminder_snooze',
  postUpdate: 'reminder_post_update',
  liftFreeze: 'deploy_lift_freeze',
  cancelAutoRollback: 'deploy_auto_rollback_cancel',
  archive: 'incident_archive',
  openLink: 'open_link',
  causeDeploy: 'incident_cause_deploy',
  causeNone: 'incident_cause_none',
  followupDone: 'followup_done',
  followupWontDo: 'followup_wont_do',
  followupReopen: 'followup_reopen',
  /** Export a follow-up to its tracker again after the tracker refused it. */
  followupExportRetry: 'followup_export_retry',
  /** App Home: opens the declare form. */
  homeDeclare: 'home_declare',
  /** App Home: a follow-up's Done button (no response_url there: the home is published again). */
  homeFollowupDone: 'home_followup_done',
  /** A runbook link button (a url button still reports its click, which is only acknowledged). */
  runbook: (n: number) => `runbook_${n}`,
  /** The checklist's checkboxes on the card (Slack sends every ticked box after a click). */
  checklist: 'checklist_toggle',
} as const;

export const views = {
  declare: 'incident_declare',
  resolve: 'incident_resolve',
  statusUpdate: 'incident_status_update',
  freeze: 'deploy_freeze',
} as const;

export const shortcuts = {
  declareFromMessage: 'declare_incident_from_message',
  addToTimeline: 'add_to_timeline',
} as const;

export const commands = {
  incident: '/incident',
  deploy: '/deploy',
} as const;

export const blocks = {
  cardHeader: 'card_header',
  cardFields: 'card_fields',
  cardAlerts: 'card_alerts',
  cardMilestones: 'card_milestones',
  cardActions: 'card_actions',
  cardSuspects: 'card_suspects',
  cardFreeze: 'card_freeze',
  cardPages: 'card_pages',
  cardRunbooks: 'card_runbooks',
  cardAutoRollback: 'card_auto_rollback',
  cardChecklist: 'card_checklist',
  cardEscalation: 'card_escalation',
  suspect: (deployId: number) => `suspect_${deployId}`,
  announcement: (incidentId: number) => `announce_${incidentId}`,
  causeQuestion: 'cause_question',
  followup: (id: number) => `followup_${id}`,
  freezeServices: 'freeze_services',
  freezeEnvironments: 'freeze_environments',
  freezeDuration: 'freeze_duration',
  freezeReason: 'freeze_reason',
  freezeOptions: 'freeze_options',
} as const;

/** The one input inside each freeze-modal block. */
export const inputAction = 'value';

/** The reminder's Snooze buttons share one message block, so each needs its own action_id. */
export const snoozeActionId = (minutes: number) => `${actions.snooze}_${minutes}`;
export const snoozeActionPattern = new RegExp(`^${actions.snooze}_\\d+$`);

/** Input blocks of the modals (block_id and action_id alike); field errors are keyed by them. */
export const fields = {
  title: 'incident_title',
  severity: 'incident_severity',
  services: 'incident_services',
  description: 'incident_description',
  /** The declare form's "Private incident" checkbox. */
  private: 'incident_private',
  summary: 'resolve_summary',
  update: 'status_update_text',
} as const;
