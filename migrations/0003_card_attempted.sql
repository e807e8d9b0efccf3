ALTER TABLE `incidents` ADD `card_attempted` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `incidents` ADD `announce_attempted` integer DEFAULT false NOT NULL;