CREATE TABLE `people` (
	`user_id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`tz` text,
	`fetched_at` integer NOT NULL
);
