-- The timeline is append-only: the database refuses edits and deletes outright. The hash
-- chain (firebreak verify) still catches a change made by someone who drops these triggers.
CREATE TRIGGER timeline_events_no_update BEFORE UPDATE ON timeline_events
BEGIN
  SELECT RAISE(ABORT, 'timeline_events is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER timeline_events_no_delete BEFORE DELETE ON timeline_events
BEGIN
  SELECT RAISE(ABORT, 'timeline_events is append-only');
END;
