import { createCatalog } from '../../src/catalog.js';
import type { IncidentListener } from '../../src/incidents/events.js';
import { createAlertIntake } from '../../src/incidents/intake.js';
import { createIncidents } from '../../src/incidents/service.js';
import type { Store } from '../../src/store/unit-of-work.js';

/** The real lifecycle and alert intake over a test database, with a clock the test moves. */
export function coreServices(
  store: Store,
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
    store,
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
    store,
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
