// The one way the rest of firebreak touches the database.
//
// Repositories (the other files of src/store/) are async functions whose first parameter is a
// `Tx`, and a `Tx` exists only inside `store.tx(…)` or `store.read(…)`. Services never hold a
// connection: they ask the store for a unit of work, do their reads and writes through the
// repositories in it, and call the outside world only after it has committed.
//
// SQLite (sqlite.ts) has one connection per process, so a unit of work is BEGIN IMMEDIATE …
// COMMIT under a mutex: while one awaits, no other statement of this process can slip into its
// transaction, and a read never sees rows that may still be rolled back. A second dialect
// (PostgreSQL) is a second `Store` whose `tx` takes a pooled connection and runs BEGIN …
// COMMIT on it, behind the same repository signatures; nothing above src/store/ changes.

/** The handle repositories run their queries on; only a `Store` hands one out. */
export type { Tx } from './sqlite.js';

import { AsyncLocalStorage } from 'node:async_hooks';
import type { Tx } from './sqlite.js';

export interface Store {
  /**
   * One unit of work: everything `work` writes commits together, or nothing does when it
   * throws. Units of work run one at a time; never start one inside another (it would wait
   * for itself): code that runs inside one is handed its `tx`.
   */
  tx<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Reads outside a unit of work, in turn with the units of work (so never rows that may
   * still be rolled back); on SQLite without a transaction of their own.
   */
  read<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Inside a unit of work: runs `work` so that when it throws, only its own writes are undone
   * and the unit of work goes on (a poison alert batch is parked while the rest commits).
   */
  savepoint<T>(tx: Tx, work: (tx: Tx) => Promise<T>): Promise<T>;
}

/** Which mutexes the running code holds, so that asking for one of them again fails at once. */
const holding = new AsyncLocalStorage<ReadonlySet<object>>();

/**
 * Lets one holder in at a time, in arrival order. Free, it starts the holder at once (no
 * extra turn of the event loop on the hot path); released, it hands over to the next waiter.
 * A holder that asks for it again (a unit of work started inside another) would wait for
 * itself for ever; it gets an error instead, naming the mistake.
 */
export function createMutex() {
  const self = {};
  let held = false;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else held = false;
  };
  return {
    async run<T>(work: () => Promise<T>): Promise<T> {
      const mine = holding.getStore();
      if (mine?.has(self))
        throw new Error(
          'a unit of work was started inside another on the same database: pass its tx down',
        );
      if (held) await new Promise<void>((resolve) => waiting.push(resolve));
      else held = true;
      try {
        return await holding.run(new Set(mine).add(self), work);
      } finally {
        release();
      }
    },
  };
}

export type Mutex = ReturnType<typeof createMutex>;
