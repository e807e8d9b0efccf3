CREATE TABLE `auto_rollbacks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`incident_id` integer NOT NULL,
	`service` text,
	`environment` text NOT NULL,
	`from_deploy_id` integer,
	`to_deploy_id` integer,
	`mode` text NOT NULL,
	`decision` text NOT NULL,
	`status` text NOT NULL,
	`reasons` text NOT NULL,
	`severity` text NOT NULL,
	`decided_at` integer NOT NULL,
	`deadline_at` integer,
	`settled_at` integer,
	`settled_by` text,
	`rollback_id` integer,
	`error` text,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`from_deploy_id`) REFERENCES `deploys`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`to_deploy_id`) REFERENCES `deploys`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`rollback_id`) REFERENCES `rollbacks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `auto_rollbacks_one_per_incident` ON `auto_rollbacks` (`incident_id`) WHERE "auto_rollbacks"."decision" IN ('shadow', 'scheduled');--> statement-breakpoint
CREATE INDEX `auto_rollbacks_due` ON `auto_rollbacks` (`deadline_at`) WHERE "auto_rollbacks"."status" = 'pending';--> statement-breakpoint
CREATE INDEX `auto_rollbacks_target` ON `auto_rollbacks` (`service`,`environment`,`decided_at`);