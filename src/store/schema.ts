import { sql } from 'drizzle-orm';
import {
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';
import {
  AUTO_ROLLBACK_DECISIONS,
  AUTO_ROLLBACK_MODES,
  AUTO_ROLLBACK_STATUSES,
} from '../domain/auto-rollback.js';
import { DEPLOY_STATUSES, ROLLBACK_STATUSES, SUSPECT_VERDICTS } from '../domain/deploy.js';
import {
  ALERT_SOURCES,
  ALERT_STATUSES,
  INCIDENT_SOURCES,
  SEVERITIES,
  STATES,
} from '../domain/incident.js';

// Times are UTC epoch milliseconds everywhere (`timestamp_ms` maps them to Date), never local strings.
const ms = (name: string) => integer(name, { mode: 'timestamp_ms' });
const json = <T>(name: string) => text(name, { mode: 'json' }).$type<T>();

export const incidents = sqliteTable(
  'incidents',
  {
    // The id is the incident number shown as INC-<id>; AUTOINCREMENT so a number is never reused.
    id: integer('id').primaryKey({ autoIncrement: true }),
    title: text('title').notNull(),
    description: text('description'),
    severity: text('severity', { enum: SEVERITIES }).notNull(),
    state: text('state', { enum: STATES }).notNull(),
    ownerId: text('owner_id'),
    environment: text('environment').notNull(),
    source: text('source', { enum: INCIDENT_SOURCES }).notNull(),
    // The alert group that opened the incident; alerts of the same group attach to it while it is open.
    groupKey: text('group_key'),
    createdBy: text('created_by'),
    resolution: text('resolution'),
    impactStartedAt: ms('impact_started_at'),
    detectedAt: ms('detected_at'),
    declaredAt: ms('declared_at').notNull(),
    acknowledgedAt: ms('acknowledged_at'),
    mitigatedAt: ms('mitigated_at'),
    resolvedAt: ms('resolved_at'),
    // Reminder clocks: when the next status update is due, and when to nag about a missing owner.
    nextUpdateDueAt: ms('next_update_due_at'),
    ownerReminderAt: ms('owner_reminder_at'),
    // When the next escalation tier is due while nobody acknowledges (src/incidents/escalation.ts).
    escalationDueAt: ms('escalation_due_at'),
    // What has been made true in Slack so far. A retried publish continues from here, which is
    // how a crash between two Slack calls never opens a second channel or posts a second card.
    channelId: text('channel_id'),
    channelName: text('channel_name'),
    channelTopic: text('channel_topic'),
    invitedUsers: json<string[]>('invited_users').notNull().default([]),
    cardTs: text('card_ts'),
    cardHash: text('card_hash'),
    cardPinned: integer('card_pinned', { mode: 'boolean' }).notNull().default(false),
    // Set before the first post: if we die before storing the ts, the next run looks for the
    // message it may have posted instead of posting a second one.
    cardAttempted: integer('card_attempted', { mode: 'boolean' }).notNull().default(false),
    announceAttempted: integer('announce_attempted', { mode: 'boolean' }).notNull().default(false),
    announceChannelId: text('announce_channel_id'),
    announceTs: text('announce_ts'),
    announceHash: text('announce_hash'),
    // A private incident: its channel is private, it is never announced, and only the members of
    // its channel see it in /incident list, the App Home and (unless asked for) the read API.
    private: integer('private', { mode: 'boolean' }).notNull().default(false),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('incidents_channel_id').on(t.channelId),
    // The database itself refuses a second open incident for one alert group.
    uniqueIndex('incidents_open_group')
      .on(t.groupKey)
      .where(sql`${t.state} <> 'resolved' AND ${t.groupKey} IS NOT NULL`),
    index('incidents_state').on(t.state),
    index('incidents_next_update').on(t.nextUpdateDueAt),
    index('incidents_escalation_due').on(t.escalationDueAt),
    // The cap on new incidents counts the alert incidents opened in the last minute.
    index('incidents_source_created').on(t.source, t.createdAt),
  ],
);

export const incidentServices = sqliteTable(
  'incident_services',
  {
    incidentId: integer('incident_id')
      .notNull()
      .references(() => incidents.id),
    service: text('service').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.incidentId, t.service] }),
    index('incident_services_service').on(t.service),
  ],
);

export const alerts = sqliteTable(
  'alerts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    incidentId: integer('incident_id')
      .notNull()
      .references(() => incidents.id),
    source: text('source', { enum: ALERT_SOURCES }).notNull(),
    // Source-scoped identity of the alert (Alertmanager fingerprint, generic dedupeKey, …).
    dedupeKey: text('dedupe_key').notNull(),
    groupKey: text('group_key'),
    status: text('status', { enum: ALERT_STATUSES }).notNull(),
    title: text('title').notNull(),
    description: text('description'),
    service: text('service'),
    environment: text('environment'),
    severity: text('severity', { enum: SEVERITIES }).notNull(),
    labels: json<Record<string, string>>('labels').notNull(),
    annotations: json<Record<string, string>>('annotations').notNull(),
    url: text('url'),
    startsAt: ms('starts_at'),
    endsAt: ms('ends_at'),
    firstSeenAt: ms('first_seen_at').notNull(),
    lastSeenAt: ms('last_seen_at').notNull(),
  },
  (t) => [
    uniqueIndex('alerts_incident_key').on(t.incidentId, t.source, t.dedupeKey),
    index('alerts_key').on(t.source, t.dedupeKey),
    // Firing counts per incident, on every alert and every card refresh.
    index('alerts_incident_status').on(t.incidentId, t.status, t.lastSeenAt),
    // Alerts of a group gathered into the storm incident find it by their group.
    index('alerts_group').on(t.groupKey, t.incidentId),
  ],
);

/** Append-only, hash-chained record. One chain per stream: `incident:<id>` or `audit`. */
export const timelineEvents = sqliteTable(
  'timeline_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    stream: text('stream').notNull(),
    incidentId: integer('incident_id').references(() => incidents.id),
    seq: integer('seq').notNull(),
    at: ms('at').notNull(),
    recordedAt: ms('recorded_at').notNull(),
    kind: text('kind').notNull(),
    actor: text('actor').notNull(),
    source: text('source').notNull(),
    payload: json<Record<string, unknown>>('payload').notNull(),
    // Makes re-deliveries of the same fact (two 📌 reactions, Slack retries) one entry.
    dedupeKey: text('dedupe_key'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    uniqueIndex('timeline_stream_seq').on(t.stream, t.seq),
    uniqueIndex('timeline_stream_dedupe').on(t.stream, t.dedupeKey),
    index('timeline_incident').on(t.incidentId, t.seq),
    index('timeline_kind').on(t.kind, t.at),
  ],
);

/** The newest event of each stream, so deleting the tail of a chain is detected too. */
export const timelineHeads = sqliteTable('timeline_heads', {
  stream: text('stream').primaryKey(),
  seq: integer('seq').notNull(),
  hash: text('hash').notNull(),
});

export const OUTBOX_STATUSES = ['pending', 'done', 'failed'] as const;

/** Side effects committed with the state that caused them, delivered after commit. */
export const outbox = sqliteTable(
  'outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind').notNull(),
    // Items of one lane are delivered one at a time, in id order (e.g. every Slack effect of
    // one incident, so the channel exists before anything is posted into it).
    lane: text('lane').notNull(),
    // While an item with this key is pending, enqueuing the same key again only asks for a rerun.
    coalesceKey: text('coalesce_key'),
    rerun: integer('rerun', { mode: 'boolean' }).notNull().default(false),
    payload: json<Record<string, unknown>>('payload').notNull(),
    status: text('status', { enum: OUTBOX_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ms('next_attempt_at').notNull(),
    lastError: text('last_error'),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
    // The claim: which worker is delivering the item and until when (wall clock). An item whose
    // lease has run out is taken over by the next worker that looks. Only a lane's head is ever
    // claimed, so a live lease on the head is what keeps the rest of the lane waiting.
    claimedBy: text('claimed_by'),
    leaseUntil: ms('lease_until'),
    // Raised by every claim. Completing, rescheduling or parking an item needs the fence of the
    // claim it was given: a worker that lost its lease (stalled, partitioned) cannot overwrite
    // the outcome of the one that took over.
    fence: integer('fence').notNull().default(0),
  },
  (t) => [
    index('outbox_due').on(t.status, t.nextAttemptAt),
    // Lane heads are looked up on every scan: index only what is pending, so the done rows
    // that accumulate (pruned after a week) never make a scan slower.
    index('outbox_pending_lane').on(t.lane, t.id).where(sql`${t.status} = 'pending'`),
    uniqueIndex('outbox_pending_coalesce')
      .on(t.coalesceKey)
      .where(sql`${t.status} = 'pending' AND ${t.coalesceKey} IS NOT NULL`),
  ],
);

/**
 * Named leases for work that must run in one place at a time (a sweeper's tick). On SQLite the
 * one process always gets them; the row is the shape a shared database needs.
 */
export const locks = sqliteTable('locks', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  // Wall clock: a holder that dies without unlocking blocks others only until then.
  expiresAt: ms('expires_at').notNull(),
});

export const INBOX_STATUSES = ['pending', 'done', 'failed'] as const;

/**
 * Alerts as accepted: a webhook commits its validated alerts here (one insert) and answers 202;
 * turning them into incidents happens right after, in batches. A crash in between loses
 * nothing: pending rows are processed at the next start.
 */
export const inbox = sqliteTable(
  'inbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    source: text('source').notNull(),
    alerts: json<Record<string, unknown>[]>('alerts').notNull(),
    status: text('status', { enum: INBOX_STATUSES }).notNull().default('pending'),
    error: text('error'),
    receivedAt: ms('received_at').notNull(),
    processedAt: ms('processed_at'),
  },
  (t) => [index('inbox_status').on(t.status, t.id)],
);

/** Delivery ids already processed (Slack event_id, PagerDuty X-Webhook-Id, GitHub X-GitHub-Delivery). */
export const deliveries = sqliteTable(
  'deliveries',
  {
    source: text('source').notNull(),
    deliveryId: text('delivery_id').notNull(),
    receivedAt: ms('received_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.source, t.deliveryId] }),
    index('deliveries_received').on(t.receivedAt),
  ],
);

export const deploys = sqliteTable(
  'deploys',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    source: text('source').notNull(),
    // `${source}:${id in the source}`; a later status of the same deploy updates this row.
    dedupeKey: text('dedupe_key').notNull(),
    service: text('service').notNull(),
    // False when no configured service or alias matched the name the sender used.
    serviceKnown: integer('service_known', { mode: 'boolean' }).notNull(),
    environment: text('environment').notNull(),
    status: text('status', { enum: DEPLOY_STATUSES }).notNull(),
    version: text('version').notNull(),
    previousVersion: text('previous_version'),
    sha: text('sha'),
    compareUrl: text('compare_url'),
    actor: text('actor'),
    url: text('url'),
    // What a backend needs to roll back *to* this deploy (Argo CD history id, k8s revision, …).
    rollbackHandle: json<Record<string, string>>('rollback_handle'),
    isRollback: integer('is_rollback', { mode: 'boolean' }).notNull().default(false),
    startedAt: ms('started_at'),
    finishedAt: ms('finished_at'),
    commitAt: ms('commit_at'),
    // The deploy's position in time: finishedAt ?? startedAt ?? receivedAt. Indexed for suspects.
    at: ms('at').notNull(),
    receivedAt: ms('received_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('deploys_dedupe').on(t.dedupeKey),
    index('deploys_service_env_at').on(t.service, t.environment, t.at),
    // Deploys still running (no final status yet), so "still running at detection" is one seek.
    index('deploys_running').on(t.service, t.environment, t.at).where(sql`${t.status} = 'started'`),
  ],
);

export const incidentDeploys = sqliteTable(
  'incident_deploys',
  {
    incidentId: integer('incident_id')
      .notNull()
      .references(() => incidents.id),
    deployId: integer('deploy_id')
      .notNull()
      .references(() => deploys.id),
    rank: integer('rank').notNull(),
    verdict: text('verdict', { enum: SUSPECT_VERDICTS }).notNull().default('suspect'),
    verdictBy: text('verdict_by'),
    verdictAt: ms('verdict_at'),
  },
  (t) => [
    primaryKey({ columns: [t.incidentId, t.deployId] }),
    index('incident_deploys_deploy').on(t.deployId),
  ],
);

export const rollbacks = sqliteTable(
  'rollbacks',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    incidentId: integer('incident_id').references(() => incidents.id),
    service: text('service').notNull(),
    environment: text('environment').notNull(),
    fromDeployId: integer('from_deploy_id').references(() => deploys.id),
    toDeployId: integer('to_deploy_id')
      .notNull()
      .references(() => deploys.id),
    backend: text('backend').notNull(),
    // incident:service:environment:target; a failed attempt frees the key so the button can retry.
    idempotencyKey: text('idempotency_key').notNull(),
    status: text('status', { enum: ROLLBACK_STATUSES }).notNull(),
    requestedBy: text('requested_by').notNull(),
    externalUrl: text('external_url'),
    output: text('output'),
    error: text('error'),
    threadTs: text('thread_ts'),
    // Where progress goes when no incident is linked (`/deploy rollback` outside an incident).
    channelId: text('channel_id'),
    // What the backend needs to follow a rollback it started (a run id, an Argo CD app…).
    operation: json<Record<string, unknown>>('operation'),
    requestedAt: ms('requested_at').notNull(),
    startedAt: ms('started_at'),
    finishedAt: ms('finished_at'),
  },
  (t) => [
    // One rollback per service+environment at a time, enforced by the database.
    uniqueIndex('rollbacks_one_active')
      .on(t.service, t.environment)
      .where(sql`${t.status} IN ('requested', 'running')`),
    uniqueIndex('rollbacks_idempotency').on(t.idempotencyKey).where(sql`${t.status} <> 'failed'`),
    index('rollbacks_incident').on(t.incidentId),
  ],
);

/** deploys.autoRollback's decisions: every one kept, with its veto deadline when it acts. */
export const autoRollbacks = sqliteTable(
  'auto_rollbacks',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    incidentId: integer('incident_id')
      .notNull()
      .references(() => incidents.id),
    service: text('service'),
    environment: text('environment').notNull(),
    fromDeployId: integer('from_deploy_id').references(() => deploys.id),
    toDeployId: integer('to_deploy_id').references(() => deploys.id),
    mode: text('mode', { enum: AUTO_ROLLBACK_MODES }).$type<'shadow' | 'on'>().notNull(),
    decision: text('decision', { enum: AUTO_ROLLBACK_DECISIONS }).notNull(),
    status: text('status', { enum: AUTO_ROLLBACK_STATUSES }).notNull(),
    reasons: json<string[]>('reasons').notNull(),
    severity: text('severity').notNull(),
    decidedAt: ms('decided_at').notNull(),
    deadlineAt: ms('deadline_at'),
    settledAt: ms('settled_at'),
    settledBy: text('settled_by'),
    rollbackId: integer('rollback_id').references(() => rollbacks.id),
    error: text('error'),
  },
  (t) => [
    // At most one acting (or would-be acting) decision per incident, whatever races to make it.
    uniqueIndex('auto_rollbacks_one_per_incident')
      .on(t.incidentId)
      .where(sql`${t.decision} IN ('shadow', 'scheduled')`),
    // The deadline sweep: pending countdowns by due time.
    index('auto_rollbacks_due').on(t.deadlineAt).where(sql`${t.status} = 'pending'`),
    // The cooldown: the latest decisions for a service+environment.
    index('auto_rollbacks_target').on(t.service, t.environment, t.decidedAt),
  ],
);

export const freezes = sqliteTable(
  'freezes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    // Globs: ["checkout", "payments-*"] × ["prod*"]; ["*"] means everything.
    services: json<string[]>('services').notNull(),
    environments: json<string[]>('environments').notNull(),
    reason: text('reason').notNull(),
    createdBy: text('created_by').notNull(),
    incidentId: integer('incident_id').references(() => incidents.id),
    blocksRollbacks: integer('blocks_rollbacks', { mode: 'boolean' }).notNull().default(false),
    // Where the freeze was made, so its expiry is announced there when no incident is linked.
    channelId: text('channel_id'),
    createdAt: ms('created_at').notNull(),
    expiresAt: ms('expires_at').notNull(),
    liftedAt: ms('lifted_at'),
    liftedBy: text('lifted_by'),
  },
  (t) => [index('freezes_active').on(t.liftedAt, t.expiresAt)],
);

/**
 * Freezes an alert holds (deploys.freezeOnAlerts): which alert, and the hysteresis. The freeze
 * itself is an ordinary row of `freezes`, so the gate, the card and the sweep need nothing new.
 */
export const alertFreezes = sqliteTable(
  'alert_freezes',
  {
    freezeId: integer('freeze_id')
      .primaryKey()
      .references(() => freezes.id),
    // "<source>:<alert key>": one alert holds at most one active freeze, however often it re-fires.
    alertRef: text('alert_ref').notNull(),
    alertname: text('alertname').notNull(),
    // The freeze does not lift before this, even when the alert resolves sooner.
    minUntil: ms('min_until').notNull(),
    resolvedAt: ms('resolved_at'),
  },
  (t) => [index('alert_freezes_ref').on(t.alertRef)],
);

export const PAGE_STATUSES = [
  'requested',
  'triggered',
  'acknowledged',
  'resolved',
  'failed',
] as const;

/** PagerDuty incidents linked to a firebreak incident, in either direction. */
export const pages = sqliteTable(
  'pages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    incidentId: integer('incident_id')
      .notNull()
      .references(() => incidents.id),
    service: text('service').notNull(),
    pdServiceId: text('pd_service_id'),
    pdIncidentId: text('pd_incident_id'),
    incidentKey: text('incident_key').notNull(),
    status: text('status', { enum: PAGE_STATUSES }).notNull(),
    htmlUrl: text('html_url'),
    requestedBy: text('requested_by'),
    // 'firebreak' when we paged; 'pagerduty' when PagerDuty told us about it first.
    origin: text('origin', { enum: ['firebreak', 'pagerduty'] }).notNull(),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('pages_incident_key').on(t.incidentKey),
    uniqueIndex('pages_pd_incident').on(t.pdIncidentId),
    index('pages_incident').on(t.incidentId),
  ],
);

export const FOLLOWUP_STATES = ['open', 'done', 'wont_do'] as const;
/** Where a follow-up's issue in the tracker stands (null: not exported). */
export const FOLLOWUP_EXPORT_STATES = ['pending', 'exported', 'failed'] as const;

export const followups = sqliteTable(
  'followups',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    incidentId: integer('incident_id')
      .notNull()
      .references(() => incidents.id),
    text: text('text').notNull(),
    ownerId: text('owner_id'),
    state: text('state', { enum: FOLLOWUP_STATES }).notNull().default('open'),
    createdBy: text('created_by').notNull(),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
    // The issue in GitHub or Jira (incidents/followup-export.ts); all null when not exported.
    trackerKind: text('tracker_kind', { enum: ['github', 'jira'] }),
    /** "owner/repo#12" or "OPS-7": how the tracker's webhooks name the issue. */
    trackerKey: text('tracker_key'),
    trackerUrl: text('tracker_url'),
    exportState: text('export_state', { enum: FOLLOWUP_EXPORT_STATES }),
    exportError: text('export_error'),
  },
  (t) => [
    index('followups_incident').on(t.incidentId),
    index('followups_tracker').on(t.trackerKind, t.trackerKey),
  ],
);

/**
 * Who is in an incident's channel, as far as firebreak knows: the people it invited or declared
 * it, and who Slack said joined (member_joined_channel) and not left since. Decides who sees a
 * private incident.
 */
export const incidentMembers = sqliteTable(
  'incident_members',
  {
    incidentId: integer('incident_id')
      .notNull()
      .references(() => incidents.id),
    userId: text('user_id').notNull(),
    addedAt: ms('added_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.incidentId, t.userId] }),
    index('incident_members_user').on(t.userId),
  ],
);

/**
 * People who opened firebreak's App Home, and what their Home tab shows now (a hash of it), so a
 * refresh publishes only to those who look at it and only when what they would see changed.
 */
export const homeViewers = sqliteTable(
  'home_viewers',
  {
    userId: text('user_id').primaryKey(),
    openedAt: ms('opened_at').notNull(),
    publishedHash: text('published_hash'),
    publishedAt: ms('published_at'),
  },
  (t) => [index('home_viewers_opened').on(t.openedAt)],
);

/** Messages posted earlier that later messages reply to (a rollback's progress thread…). */
export const chatRefs = sqliteTable('chat_refs', {
  key: text('key').primaryKey(),
  channelId: text('channel_id').notNull(),
  ts: text('ts').notNull(),
});

/** PagerDuty user e-mail → Slack user id, so on-call lookups do not call Slack every time. */
export const userDirectory = sqliteTable('user_directory', {
  email: text('email').primaryKey(),
  slackUserId: text('slack_user_id'),
  fetchedAt: ms('fetched_at').notNull(),
});

/**
 * Slack users by id, as users.info gave them: the name people know them by and their time zone.
 * A cache: looked up again after a while, and the id is shown whenever a name is missing.
 */
export const people = sqliteTable('people', {
  userId: text('user_id').primaryKey(),
  name: text('name').notNull(),
  tz: text('tz'),
  fetchedAt: ms('fetched_at').notNull(),
});

export type IncidentRow = typeof incidents.$inferSelect;
export type AlertRow = typeof alerts.$inferSelect;
export type TimelineRow = typeof timelineEvents.$inferSelect;
export type OutboxRow = typeof outbox.$inferSelect;
export type InboxRow = typeof inbox.$inferSelect;
export type DeployRow = typeof deploys.$inferSelect;
export type RollbackRow = typeof rollbacks.$inferSelect;
export type FreezeRow = typeof freezes.$inferSelect;
export type PageRow = typeof pages.$inferSelect;
export type FollowupRow = typeof followups.$inferSelect;

/** The steps of an incident's checklist (services.<name>.checklist) and who ticked them. */
export const checklistSteps = sqliteTable(
  'checklist_steps',
  {
    incidentId: integer('incident_id')
      .notNull()
      .references(() => incidents.id),
    // Order on the card; the text is the step's identity (a click names the step by its text).
    position: integer('position').notNull(),
    text: text('text').notNull(),
    checked: integer('checked', { mode: 'boolean' }).notNull().default(false),
    // Who changed it last, and when (the timeline keeps every change).
    changedBy: text('changed_by'),
    changedAt: ms('changed_at'),
  },
  (t) => [primaryKey({ columns: [t.incidentId, t.text] })],
);
export type ChecklistStepRow = typeof checklistSteps.$inferSelect;
