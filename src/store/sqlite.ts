import { closeSync, existsSync, fchmodSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { packagePath } from '../paths.js';
import * as schema from './schema.js';
import { createMutex, type Mutex, type Store } from './unit-of-work.js';

type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };
/**
 * What a repository runs its queries on: the connection, inside a unit of work of the store
 * (unit-of-work.ts). drizzle's own `transaction` is left out: the store is the one way to
 * begin, and a nested begin would join the open transaction unseen.
 */
export type Tx = Omit<Db, 'transaction'>;

export const MIGRATIONS_FOLDER = packagePath('migrations');

export interface OpenDb {
  store: Store;
  sqlite: Database.Database;
  /** Readiness: the file answers and every migration this build ships has been applied. */
  ready(): boolean;
  close(): void;
}

/** Opens (creating if needed) the SQLite file, sets the pragmas and applies the migrations. */
export function openDb(
  path: string,
  options: { migrate?: boolean; busyTimeoutMs?: number } = {},
): OpenDb {
  if (path !== ':memory:' && path !== '') createPrivateFile(path);
  // How long a write waits for another connection's lock (a backup, an operator's sqlite3)
  // before giving up with SQLITE_BUSY, which webhooks answer as 503 + Retry-After.
  const sqlite = new Database(path, { timeout: options.busyTimeoutMs ?? 5000 });
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  // FULL: a 202 means the alert survives a power cut, not only a process crash.
  sqlite.pragma('synchronous = FULL');
  const db = drizzle({ client: sqlite, schema });
  if (options.migrate !== false) migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  const expected = shippedMigrations();
  return {
    store: sqliteStore(db, mutexFor(path)),
    sqlite,
    ready: () => sqlite.open && migrationsApplied(sqlite, expected),
    close() {
      if (sqlite.open) sqlite.close();
    },
  };
}

const fileMutexes = new Map<string, Mutex>();

/**
 * One mutex per database file in this process, shared by every connection to it. A second
 * connection (a test's second worker, a CLI command inside the bot's process) would otherwise
 * wait for the file's write lock inside its synchronous BEGIN IMMEDIATE, blocking the event
 * loop that the first connection needs to reach its COMMIT.
 */
function mutexFor(path: string): Mutex {
  if (path === ':memory:' || path === '') return createMutex();
  const key = resolve(path);
  let mutex = fileMutexes.get(key);
  if (!mutex) {
    mutex = createMutex();
    fileMutexes.set(key, mutex);
  }
  return mutex;
}

/**
 * The store on one connection: a unit of work is BEGIN IMMEDIATE … COMMIT under the mutex, so
 * its write lock is taken at the start (no deadlock upgrading a read lock) and nothing else this
 * process runs can interleave with it while it awaits.
 */
function sqliteStore(db: Db, mutex: Mutex): Store {
  const client = db.$client;
  const begin = client.prepare('BEGIN IMMEDIATE');
  const commit = client.prepare('COMMIT');
  const rollback = client.prepare('ROLLBACK');
  return {
    tx: (work) =>
      mutex.run(async () => {
        begin.run();
        try {
          const result = await work(db);
          commit.run();
          return result;
        } catch (error) {
          // A failed COMMIT or an error SQLite already rolled back leaves nothing open.
          if (client.inTransaction) rollback.run();
          throw error;
        }
      }),
    read: (work) => mutex.run(() => work(db)),
    savepoint,
  };
}

let savepoints = 0;

async function savepoint<T>(tx: Tx, work: (tx: Tx) => Promise<T>): Promise<T> {
  const name = `sp${++savepoints}`;
  const client = tx.$client;
  client.exec(`SAVEPOINT ${name}`);
  try {
    const result = await work(tx);
    client.exec(`RELEASE ${name}`);
    return result;
  } catch (error) {
    if (client.inTransaction) client.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
    throw error;
  }
}

/**
 * Creates `path` empty, readable and writable by the owner only (0600, whatever the umask), in a
 * directory created 0700 when it is missing. The database holds incident notes, alert labels and
 * who did what; SQLite gives the -wal and -shm files the database file's mode, so they are 0600
 * too. An existing file or directory keeps its mode: it may be shared on purpose (/tmp, a volume
 * with fsGroup), and `firebreak doctor` reports a database everyone can read.
 */
export function createPrivateFile(path: string): void {
  const dir = dirname(path);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw error;
  }
  try {
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
}

const statements = new WeakMap<object, Map<string, unknown>>();

/**
 * A drizzle prepared statement built once per connection and reused. Building a query costs
 * ~50× more than running it; the hot paths (alert intake, timeline, outbox) use this.
 * `db` and its transactions share one connection (drizzle's session), and so share the cache;
 * a statement prepared here runs inside whatever transaction is open on that connection.
 */
export function prepared<T>(db: Tx, key: string, build: (db: Tx) => T): T {
  const session = (db as unknown as { session: object }).session;
  let forSession = statements.get(session);
  if (!forSession) {
    forSession = new Map();
    statements.set(session, forSession);
  }
  let statement = forSession.get(key) as T | undefined;
  if (statement === undefined) {
    statement = build(db);
    forSession.set(key, statement);
  }
  return statement;
}

/** How many migrations this build ships (readiness compares it with what the file has applied). */
export function shippedMigrations(): number {
  const journal = join(MIGRATIONS_FOLDER, 'meta', '_journal.json');
  return (JSON.parse(readFileSync(journal, 'utf8')) as { entries: unknown[] }).entries.length;
}

/** Readiness: the file answers and every migration we ship has been applied. */
export function migrationsApplied(sqlite: Database.Database, expected: number): boolean {
  const table = sqlite
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'",
    )
    .get();
  if (!table) return false;
  const row = sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as {
    n: number;
  };
  return row.n >= expected;
}
