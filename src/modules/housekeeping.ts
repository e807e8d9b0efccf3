import { pruneDeliveries } from '../store/deliveries.js';
import { pruneSettled } from '../store/outbox.js';
import type { Base, Module } from './module.js';

const WEEK = 7 * 24 * 60 * 60_000;

/** Keeps the database small: delivery ids and finished outbox items are kept for a week. */
export function housekeepingModule({ store, now }: Pick<Base, 'store' | 'now'>) {
  return {
    services: {},
    effects: [],
    listeners: [],
    routes: [],
    slack: {},
    jobs: [
      {
        name: 'prune',
        schedule: '17 3 * * *',
        run: async () => {
          const cutoff = new Date(now().getTime() - WEEK);
          await store.tx(async (tx) => {
            await pruneDeliveries(tx, cutoff);
            await pruneSettled(tx, cutoff);
          });
        },
      },
    ],
  } satisfies Module<unknown, unknown>;
}
