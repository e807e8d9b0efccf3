import type { Store } from '../../src/store/unit-of-work.js';
import { record } from '../../src/timeline/timeline.js';

/**
 * Five notes on the incident's timeline, a second apart from `at`, then one entry in the audit
 * stream: two chains to verify (and, in test/store/, to tamper with).
 */
export async function recordNotesAndAudit(store: Store, incidentId: number, at: Date) {
  for (let i = 0; i < 5; i++) {
    await store.tx((tx) =>
      record(
        tx,
        {
          incidentId,
          kind: 'note',
          at: new Date(at.getTime() + i * 1000),
          actor: 'U1',
          source: 'slack',
          payload: { text: `note ${i}` },
        },
        at,
      ),
    );
  }
  await store.tx((tx) =>
    record(
      tx,
      { incidentId: null, kind: 'freeze_created', at, actor: 'U2', source: 'slack', payload: {} },
      at,
    ),
  );
}
