CREATE TABLE `alerts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`incident_id` integer NOT NULL,
	`source` text NOT NULL,
	`dedupe_key` text NOT NULL,
	`group_key` text,
	`status` text NOT NULL,
	`title` text NOT NULL,
	`description` text,
	`service` text,
	`environment` text,
	`severity` text NOT NULL,
	`labels` text NOT NULL,
	`annotations` text NOT NULL,
	`url` text,
	`starts_at` integer,
	`ends_at` integer,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alerts_incident_key` ON `alerts` (`incident_id`,`source`,`dedupe_key`);--> statement-breakpoint
CREATE INDEX `alerts_key` ON `alerts` (`source`,`dedupe_key`);--> statement-breakpoint
CREATE TABLE `chat_refs` (
	`key` text PRIMARY KEY NOT NULL,
	`channel_id` text NOT NULL,
	`ts` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `deliveries` (
	`source` text NOT NULL,
	`delivery_id` text NOT NULL,
	`received_at` integer NOT NULL,
	PRIMARY KEY(`source`, `delivery_id`)
);
--> statement-breakpoint
CREATE INDEX `deliveries_received` ON `deliveries` (`received_at`);--> statement-breakpoint
CREATE TABLE `deploys` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`source` text NOT NULL,
	`dedupe_key` text NOT NULL,
	`service` text NOT NULL,
	`service_known` integer NOT NULL,
	`environment` text NOT NULL,
	`status` text NOT NULL,
	`version` text NOT NULL,
	`previous_version` text,
	`sha` text,
	`compare_url` text,
	`actor` text,
	`url` text,
	`rollback_handle` text,
	`is_rollback` integer DEFAULT false NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	`commit_at` integer,
	`at` integer NOT NULL,
	`received_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `deploys_dedupe` ON `deploys` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `deploys_service_env_at` ON `deploys` (`service`,`environment`,`at`);--> statement-breakpoint
CREATE TABLE `followups` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`incident_id` integer NOT NULL,
	`text` text NOT NULL,
	`owner_id` text,
	`state` text DEFAULT 'open' NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `followups_incident` ON `followups` (`incident_id`);--> statement-breakpoint
CREATE TABLE `freezes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`services` text NOT NULL,
	`environments` text NOT NULL,
	`reason` text NOT NULL,
	`created_by` text NOT NULL,
	`incident_id` integer,
	`blocks_rollbacks` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`lifted_at` integer,
	`lifted_by` text,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `freezes_active` ON `freezes` (`lifted_at`,`expires_at`);--> statement-breakpoint
CREATE TABLE `incident_deploys` (
	`incident_id` integer NOT NULL,
	`deploy_id` integer NOT NULL,
	`rank` integer NOT NULL,
	`verdict` text DEFAULT 'suspect' NOT NULL,
	`verdict_by` text,
	`verdict_at` integer,
	PRIMARY KEY(`incident_id`, `deploy_id`),
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`deploy_id`) REFERENCES `deploys`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `incident_deploys_deploy` ON `incident_deploys` (`deploy_id`);--> statement-breakpoint
CREATE TABLE `incident_services` (
	`incident_id` integer NOT NULL,
	`service` text NOT NULL,
	PRIMARY KEY(`incident_id`, `service`),
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `incident_services_service` ON `incident_services` (`service`);--> statement-breakpoint
CREATE TABLE `incidents` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`title` text NOT NULL,
	`description` text,
	`severity` text NOT NULL,
	`state` text NOT NULL,
	`owner_id` text,
	`environment` text NOT NULL,
	`source` text NOT NULL,
	`group_key` text,
	`created_by` text,
	`resolution` text,
	`impact_started_at` integer,
	`detected_at` integer,
	`declared_at` integer NOT NULL,
	`acknowledged_at` integer,
	`mitigated_at` integer,
	`resolved_at` integer,
	`next_update_due_at` integer,
	`owner_reminder_at` integer,
	`channel_id` text,
	`channel_name` text,
	`channel_topic` text,
	`invited_users` text DEFAULT '[]' NOT NULL,
	`card_ts` text,
	`card_hash` text,
	`card_pinned` integer DEFAULT false NOT NULL,
	`announce_channel_id` text,
	`announce_ts` text,
	`announce_hash` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `incidents_channel_id` ON `incidents` (`channel_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `incidents_open_group` ON `incidents` (`group_key`) WHERE "incidents"."state" <> 'resolved' AND "incidents"."group_key" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `incidents_state` ON `incidents` (`state`);--> statement-breakpoint
CREATE INDEX `incidents_next_update` ON `incidents` (`next_update_due_at`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`lane` text NOT NULL,
	`coalesce_key` text,
	`rerun` integer DEFAULT false NOT NULL,
	`payload` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `outbox_due` ON `outbox` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `outbox_lane` ON `outbox` (`lane`,`status`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_pending_coalesce` ON `outbox` (`coalesce_key`) WHERE "outbox"."status" = 'pending' AND "outbox"."coalesce_key" IS NOT NULL;--> statement-breakpoint
CREATE TABLE `pages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`incident_id` integer NOT NULL,
	`service` text NOT NULL,
	`pd_service_id` text,
	`pd_incident_id` text,
	`incident_key` text NOT NULL,
	`status` text NOT NULL,
	`html_url` text,
	`requested_by` text,
	`origin` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pages_incident_key` ON `pages` (`incident_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `pages_pd_incident` ON `pages` (`pd_incident_id`);--> statement-breakpoint
CREATE INDEX `pages_incident` ON `pages` (`incident_id`);--> statement-breakpoint
CREATE TABLE `rollbacks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`incident_id` integer,
	`service` text NOT NULL,
	`environment` text NOT NULL,
	`from_deploy_id` integer,
	`to_deploy_id` integer NOT NULL,
	`backend` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`status` text NOT NULL,
	`requested_by` text NOT NULL,
	`external_url` text,
	`output` text,
	`error` text,
	`thread_ts` text,
	`requested_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`from_deploy_id`) REFERENCES `deploys`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`to_deploy_id`) REFERENCES `deploys`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `rollbacks_one_active` ON `rollbacks` (`service`,`environment`) WHERE "rollbacks"."status" IN ('requested', 'running');--> statement-breakpoint
CREATE UNIQUE INDEX `rollbacks_idempotency` ON `rollbacks` (`idempotency_key`) WHERE "rollbacks"."status" <> 'failed';--> statement-breakpoint
CREATE INDEX `rollbacks_incident` ON `rollbacks` (`incident_id`);--> statement-breakpoint
CREATE TABLE `timeline_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`stream` text NOT NULL,
	`incident_id` integer,
	`seq` integer NOT NULL,
	`at` integer NOT NULL,
	`recorded_at` integer NOT NULL,
	`kind` text NOT NULL,
	`actor` text NOT NULL,
	`source` text NOT NULL,
	`payload` text NOT NULL,
	`dedupe_key` text,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `timeline_stream_seq` ON `timeline_events` (`stream`,`seq`);--> statement-breakpoint
CREATE UNIQUE INDEX `timeline_stream_dedupe` ON `timeline_events` (`stream`,`dedupe_key`);--> statement-breakpoint
CREATE INDEX `timeline_incident` ON `timeline_events` (`incident_id`,`seq`);--> statement-breakpoint
CREATE INDEX `timeline_kind` ON `timeline_events` (`kind`,`at`);--> statement-breakpoint
CREATE TABLE `timeline_heads` (
	`stream` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `user_directory` (
	`email` text PRIMARY KEY NOT NULL,
	`slack_user_id` text,
	`fetched_at` integer NOT NULL
);
