import type { Deploy, Rollback } from '../../src/domain/deploy.js';
import type { Freeze } from '../../src/domain/freeze.js';
import { insertDeploy as insertDeployRow } from '../../src/store/deploys.js';
import { insertFreeze as insertFreezeRow, type NewFreeze } from '../../src/store/freezes.js';
import { finishRollback, insertRollback as insertRollbackRow } from '../../src/store/rollbacks.js';
import type { Tx } from '../../src/store/unit-of-work.js';

// A deploy history for tests of other modules (the postmortem, the stats) that need one without
// replaying the deploy module: written through the deploy repositories, with the fields a test
// does not care about left empty.

export { linkSuspect } from '../../src/store/suspects.js';

type Required = Pick<
  Deploy,
  'source' | 'dedupeKey' | 'service' | 'environment' | 'status' | 'version' | 'at'
>;

export async function insertDeploy(tx: Tx, values: Required & Partial<Deploy>): Promise<Deploy> {
  return await insertDeployRow(tx, {
    serviceKnown: true,
    previousVersion: null,
    sha: null,
    compareUrl: null,
    actor: null,
    url: null,
    rollbackHandle: null,
    isRollback: false,
    startedAt: null,
    finishedAt: null,
    commitAt: null,
    receivedAt: values.at,
    updatedAt: values.at,
    ...values,
  });
}

/** A rollback that already ended, as the rollback module leaves it. */
export async function insertRollback(
  tx: Tx,
  values: Pick<
    Rollback,
    | 'service'
    | 'environment'
    | 'fromDeployId'
    | 'toDeployId'
    | 'backend'
    | 'idempotencyKey'
    | 'requestedBy'
    | 'requestedAt'
    | 'finishedAt'
  > &
    Partial<Pick<Rollback, 'incidentId' | 'startedAt' | 'channelId'>> & {
      status: 'succeeded' | 'failed';
    },
): Promise<void> {
  const row = await insertRollbackRow(tx, {
    incidentId: values.incidentId ?? null,
    channelId: values.channelId ?? null,
    service: values.service,
    environment: values.environment,
    fromDeployId: values.fromDeployId,
    toDeployId: values.toDeployId,
    backend: values.backend,
    idempotencyKey: values.idempotencyKey,
    requestedBy: values.requestedBy,
    requestedAt: values.requestedAt,
  });
  await finishRollback(tx, row.id, {
    status: values.status,
    startedAt: values.startedAt ?? null,
    finishedAt: values.finishedAt,
    externalUrl: null,
    output: null,
    error: null,
  });
}

export async function insertFreeze(
  tx: Tx,
  values: Omit<NewFreeze, 'blocksRollbacks' | 'channelId'> &
    Partial<Pick<NewFreeze, 'blocksRollbacks' | 'channelId'>>,
): Promise<Freeze> {
  return await insertFreezeRow(tx, { blocksRollbacks: false, channelId: null, ...values });
}
