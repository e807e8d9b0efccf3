import { createCatalog } from '../../src/catalog.js';
import type { IncidentListener } from '../../src/incidents/events.js';
import { createAlertIntake } from '../../src/incidents/intake.js';
import { createIncidents } from '../../src/incidents/service.js';
import type { Db } from '../../src/store/sqlite.js';

/** The real lifecycle and alert intake over a test database, with a clock the test moves. */
export function coreServices(
  db: Db,
  clock: { now: Date },
  options: {
    listeners?: IncidentListener[];
    services?: Record<string, { aliases: string[]; owners: string[] }>;
  } = {},
) {
  const catalog = createCatalog(
    options.services ?? { checkout: { aliases: ['checkout-api'], owners: ['U0OWNER01'] } },
  );
  const now = () => clock.now;
  const listeners = options.listeners ?? [];
  const incidents = createIncidents({
    db,
    now,
    catalog,
    kick: () => {},
    listeners,
    policy: {
      defaultEnvironment: 'production',
      reminders: { sev1: 30 * 60_000 },
      unownedReminderMs: 10 * 60_000,
      deployers: [],
      commanders: [],
    },
  });
  const intake = createAlertIntake({
    db,
    now,
    catalog,
    kick: () => {},
    listeners,
    policy: {
      defaultEnvironment: 'production',
      severityLabels: undefined,
      reminders: { sev1: 30 * 60_000 },
      unownedReminderMs: 10 * 60_000,
      autoResolve: false,
    },
  });
  return { catalog, incidents, intake, now };
}
