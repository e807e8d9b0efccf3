ALTER TABLE `freezes` ADD `channel_id` text;--> statement-breakpoint
ALTER TABLE `rollbacks` ADD `channel_id` text;--> statement-breakpoint
ALTER TABLE `rollbacks` ADD `operation` text;--> statement-breakpoint
CREATE INDEX `deploys_running` ON `deploys` (`service`,`environment`,`at`) WHERE "deploys"."status" = 'started';