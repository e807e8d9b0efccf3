import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { Rollback, RollbackStatus } from '../domain/deploy.js';
import { deploys, rollbacks } from './schema.js';
import type { DbOrTx } from './sqlite.js';

// Rollback rows are Rollback values as they are; the return types are the codec's contract.

/** A rollback as it is asked for; it starts `requested`, the rest is filled in as it runs. */
export type NewRollback = Pick<
  Rollback,
  | 'incidentId'
  | 'service'
  | 'environment'
  | 'fromDeployId'
  | 'toDeployId'
  | 'backend'
  | 'idempotencyKey'
  | 'requestedBy'
  | 'channelId'
  | 'requestedAt'
>;

/** How a rollback ended. */
export type RollbackOutcome = Pick<
  Rollback,
  'finishedAt' | 'startedAt' | 'externalUrl' | 'output' | 'error'
> & { status: Extract<RollbackStatus, 'succeeded' | 'failed'> };

const ACTIVE: RollbackStatus[] = ['requested', 'running'];
const FINISHED: RollbackStatus[] = ['succeeded', 'failed'];

export function findRollback(db: DbOrTx, id: number): Rollback | undefined {
  return db.select().from(rollbacks).where(eq(rollbacks.id, id)).get();
}

/**
 * A rollback with this idempotency key that is under way or succeeded. The database keeps at
 * most one (rollbacks_idempotency ignores failed attempts).
 */
export function liveRollbackByKey(db: DbOrTx, key: string): Rollback | undefined {
  return db
    .select()
    .from(rollbacks)
    .where(
      and(eq(rollbacks.idempotencyKey, key), inArray(rollbacks.status, [...ACTIVE, 'succeeded'])),
    )
    .get();
}

/** The newest attempt with this idempotency key, whatever its status. */
export function lastRollbackAttempt(db: DbOrTx, key: string): Rollback | undefined {
  return db
    .select()
    .from(rollbacks)
    .where(eq(rollbacks.idempotencyKey, key))
    .orderBy(desc(rollbacks.id))
    .limit(1)
    .get();
}

/** The rollback of service+environment under way, if any (the database allows one). */
export function activeRollbackOf(
  db: DbOrTx,
  service: string,
  environment: string,
): Rollback | undefined {
  return db
    .select()
    .from(rollbacks)
    .where(
      and(
        eq(rollbacks.service, service),
        eq(rollbacks.environment, environment),
        inArray(rollbacks.status, ACTIVE),
      ),
    )
    .get();
}

export function insertRollback(tx: DbOrTx, values: NewRollback): Rollback {
  return tx
    .insert(rollbacks)
    .values({ ...values, status: 'requested' })
    .returning()
    .get();
}

export function markRollbackRunning(tx: DbOrTx, id: number, startedAt: Date): void {
  tx.update(rollbacks).set({ status: 'running', startedAt }).where(eq(rollbacks.id, id)).run();
}

/** Stores what the backend gave to follow a rollback it started. */
export function setRollbackOperation(
  tx: DbOrTx,
  id: number,
  values: Pick<Rollback, 'operation' | 'externalUrl'>,
): void {
  tx.update(rollbacks).set(values).where(eq(rollbacks.id, id)).run();
}

export function finishRollback(tx: DbOrTx, id: number, outcome: RollbackOutcome): void {
  tx.update(rollbacks).set(outcome).where(eq(rollbacks.id, id)).run();
}

/** Newest first, for `/deploy status`. */
export function recentRollbacks(
  db: DbOrTx,
  service: string | undefined,
  limit: number,
): Rollback[] {
  return db
    .select()
    .from(rollbacks)
    .where(service ? eq(rollbacks.service, service) : undefined)
    .orderBy(desc(rollbacks.id))
    .limit(limit)
    .all();
}

/** Rollbacks requested or running, of every service. */
export function rollbacksUnderway(db: DbOrTx): Rollback[] {
  return db.select().from(rollbacks).where(inArray(rollbacks.status, ACTIVE)).all();
}

/** The latest finished rollbacks (of one service, or of all), newest first. */
export function finishedRollbacks(db: DbOrTx, service: string | null, limit: number): Rollback[] {
  return db
    .select()
    .from(rollbacks)
    .where(
      service
        ? and(eq(rollbacks.service, service), inArray(rollbacks.status, FINISHED))
        : inArray(rollbacks.status, FINISHED),
    )
    .orderBy(desc(rollbacks.id))
    .limit(limit)
    .all();
}

/**
 * The successful rollbacks of service+environment: when the deploy they went back to had run
 * (`toAt`) and when they finished. Deploys between the two were undone.
 */
export function succeededRollbackSpans(
  db: DbOrTx,
  service: string,
  environment: string,
): { toAt: Date; finishedAt: Date | null }[] {
  return db
    .select({ toAt: deploys.at, finishedAt: rollbacks.finishedAt })
    .from(rollbacks)
    .innerJoin(deploys, eq(deploys.id, rollbacks.toDeployId))
    .where(
      and(
        eq(rollbacks.service, service),
        eq(rollbacks.environment, environment),
        eq(rollbacks.status, 'succeeded'),
      ),
    )
    .all();
}

/** Every rollback in the order they were asked for (tests, exports). */
export function allRollbacks(db: DbOrTx): Rollback[] {
  return db.select().from(rollbacks).orderBy(asc(rollbacks.id)).all();
}
