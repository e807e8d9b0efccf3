CREATE INDEX `alerts_group` ON `alerts` (`group_key`,`incident_id`);--> statement-breakpoint
CREATE INDEX `incidents_source_created` ON `incidents` (`source`,`created_at`);