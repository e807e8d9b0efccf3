CREATE TABLE `home_viewers` (
	`user_id` text PRIMARY KEY NOT NULL,
	`opened_at` integer NOT NULL,
	`published_hash` text,
	`published_at` integer
);
--> statement-breakpoint
CREATE INDEX `home_viewers_opened` ON `home_viewers` (`opened_at`);--> statement-breakpoint
CREATE TABLE `incident_members` (
	`incident_id` integer NOT NULL,
	`user_id` text NOT NULL,
	`added_at` integer NOT NULL,
	PRIMARY KEY(`incident_id`, `user_id`),
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `incident_members_user` ON `incident_members` (`user_id`);--> statement-breakpoint
ALTER TABLE `incidents` ADD `private` integer DEFAULT false NOT NULL;