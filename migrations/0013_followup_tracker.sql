ALTER TABLE `followups` ADD `tracker_kind` text;--> statement-breakpoint
ALTER TABLE `followups` ADD `tracker_key` text;--> statement-breakpoint
ALTER TABLE `followups` ADD `tracker_url` text;--> statement-breakpoint
ALTER TABLE `followups` ADD `export_state` text;--> statement-breakpoint
ALTER TABLE `followups` ADD `export_error` text;--> statement-breakpoint
CREATE INDEX `followups_tracker` ON `followups` (`tracker_kind`,`tracker_key`);