import { deploys, freezes, incidentDeploys, rollbacks } from '../../src/store/schema.js';
import type { DbOrTx } from '../../src/store/sqlite.js';

// Rows the deploy module writes, put in place directly by tests of other modules (the
// postmortem, the stats) that need a deploy history without replaying the deploy module.
// Kept here, next to the storage tests, because only test/store/ touches the schema; the same
// names as the deploy repositories (insertDeploy, linkSuspect, insertRollback, insertFreeze),
// so these calls can move to them once those live in src/store/.

export const insertDeploy = (db: DbOrTx, values: typeof deploys.$inferInsert) =>
  db.insert(deploys).values(values).returning().get();

/** What the deploy correlator writes: this deploy is a suspect of the incident. */
export const linkSuspect = (db: DbOrTx, incidentId: number, deployId: number, rank: number) =>
  db.insert(incidentDeploys).values({ incidentId, deployId, rank }).run();

export const insertRollback = (db: DbOrTx, values: typeof rollbacks.$inferInsert) =>
  db.insert(rollbacks).values(values).returning().get();

export const insertFreeze = (db: DbOrTx, values: typeof freezes.$inferInsert) =>
  db.insert(freezes).values(values).returning().get();
