CREATE TABLE `alert_freezes` (
	`freeze_id` integer PRIMARY KEY NOT NULL,
	`alert_ref` text NOT NULL,
	`alertname` text NOT NULL,
	`min_until` integer NOT NULL,
	`resolved_at` integer,
	FOREIGN KEY (`freeze_id`) REFERENCES `freezes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `alert_freezes_ref` ON `alert_freezes` (`alert_ref`);