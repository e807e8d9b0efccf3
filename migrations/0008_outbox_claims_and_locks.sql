CREATE TABLE `locks` (
	`name` text PRIMARY KEY NOT NULL,
	`holder` text NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `outbox` ADD `claimed_by` text;--> statement-breakpoint
ALTER TABLE `outbox` ADD `lease_until` integer;--> statement-breakpoint
ALTER TABLE `outbox` ADD `fence` integer DEFAULT 0 NOT NULL;