import { AppError } from '../errors.js';

// The one place that knows how the database reports trouble. Everything above the store sees
// the AppError vocabulary; a PostgreSQL store maps its SQLSTATEs (serialization failure 40001,
// deadlock 40P01, unique violation 23505, disk full 53100…) here in the same way.

/** SQLite cannot write right now (a lock held too long, a full disk…): nothing was stored. */
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|READONLY|NOMEM)/;

/** How long a caller should wait before trying again after a storage error. */
export const STORAGE_RETRY_AFTER_S = 5;

/**
 * A storage error in the AppError vocabulary, or null when `error` did not come from the
 * database: `unavailable` means retry later and nothing was stored.
 */
export function storageError(error: unknown): AppError | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  if (SQLITE_UNAVAILABLE.test(code))
    return new AppError(
      'unavailable',
      'storage temporarily unavailable, nothing was stored; retry',
      { cause: error },
    );
  return null;
}
