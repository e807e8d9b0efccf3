import { closeSync, existsSync, fchmodSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.js';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };
/** The synchronous transaction handle drizzle passes to `db.transaction((tx) => …)`. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

// Resolves the same from src/store/ (tsx, tests) and dist/store/ (built).
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));

export interface OpenDb {
  db: Db;
  sqlite: Database.Database;
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
  return {
    db,
    sqlite,
    close() {
      if (sqlite.open) sqlite.close();
    },
  };
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
export function prepared<T>(db: DbOrTx, key: string, build: (db: DbOrTx) => T): T {
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
