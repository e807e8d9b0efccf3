DROP INDEX `outbox_lane`;--> statement-breakpoint
CREATE INDEX `outbox_pending_lane` ON `outbox` (`lane`,`id`) WHERE "outbox"."status" = 'pending';