import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { Rollback, RollbackStatus } from '../domain/deploy.js';
import { deploys, rollbacks } from './schema.js';
import type { Tx } from './sqlite.js';

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

export async function findRollback(tx: Tx, id: number): Promise<Rollback | undefined> {
  return tx.select().from(rollbacks).where(eq(rollbacks.id, id)).get();
}

/**
 * A rollback with this idempotency key that is under way or succeeded. The database keeps at
 * most one (rollbacks_idempotency ignores failed attempts).
 */
export async function liveRollbackByKey(tx: Tx, key: string): Promise<Rollback | undefined> {
  return tx
    .select()
    .from(rollbacks)
    .where(
      and(eq(rollbacks.idempotencyKey, key), inArray(rollbacks.status, [...ACTIVE, 'succeeded'])),
    )
    .get();
}

/** The newest attempt with this idempotency key, whatever its status. */
export async function lastRollbackAttempt(tx: Tx, key: string): Promise<Rollback | undefined> {
  return tx
    .select()
    .from(rollbacks)
    .where(eq(rollbacks.idempotencyKey, key))
    .orderBy(desc(rollbacks.id))
    .limit(1)
    .get();
}

/** The rollback of service+environment under way, if any (the database allows one). */
export async function activeRollbackOf(
  tx: Tx,
  service: string,
  environment: string,
): Promise<Rollback | undefined> {
  return tx
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

export async function insertRollback(tx: Tx, values: NewRollback): Promise<Rollback> {
  return tx
    .insert(rollbacks)
    .values({ ...values, status: 'requested' })
    .returning()
    .get();
}

export async function markRollbackRunning(tx: Tx, id: number, startedAt: Date): Promise<void> {
  tx.update(rollbacks).set({ status: 'running', startedAt }).where(eq(rollbacks.id, id)).run();
}

/** Stores what the backend gave to follow a rollback it started. */
export async function setRollbackOperation(
  tx: Tx,
  id: number,
  values: Pick<Rollback, 'operation' | 'externalUrl'>,
): Promise<void> {
  tx.update(rollbacks).set(values).where(eq(rollbacks.id, id)).run();
}

export async function finishRollback(tx: Tx, id: number, outcome: RollbackOutcome): Promise<void> {
  tx.update(rollbacks).set(outcome).where(eq(rollbacks.id, id)).run();
}

/** Newest first, for `/deploy status`. */
export async function recentRollbacks(
  tx: Tx,
  service: string | undefined,
  limit: number,
): Promise<Rollback[]> {
  return tx
    .select()
    .from(rollbacks)
    .where(service ? eq(rollbacks.service, service) : undefined)
    .orderBy(desc(rollbacks.id))
    .limit(limit)
    .all();
}

/** Rollbacks requested or running, of every service. */
export async function rollbacksUnderway(tx: Tx): Promise<Rollback[]> {
  return tx.select().from(rollbacks).where(inArray(rollbacks.status, ACTIVE)).all();
}

/** The latest finished rollbacks (of one service, or of all), newest first. */
export async function finishedRollbacks(
  tx: Tx,
  service: string | null,
  limit: number,
): Promise<Rollback[]> {
  return tx
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
export async function succeededRollbackSpans(
  tx: Tx,
  service: string,
  environment: string,
): Promise<{ toAt: Date; finishedAt: Date | null }[]> {
  return tx
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
export async function allRollbacks(tx: Tx): Promise<Rollback[]> {
  return tx.select().from(rollbacks).orderBy(asc(rollbacks.id)).all();
}
