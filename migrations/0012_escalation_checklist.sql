CREATE TABLE `checklist_steps` (
	`incident_id` integer NOT NULL,
	`position` integer NOT NULL,
	`text` text NOT NULL,
	`checked` integer DEFAULT false NOT NULL,
	`changed_by` text,
	`changed_at` integer,
	PRIMARY KEY(`incident_id`, `text`),
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `incidents` ADD `escalation_due_at` integer;--> statement-breakpoint
CREATE INDEX `incidents_escalation_due` ON `incidents` (`escalation_due_at`);