import { openDb } from '../../src/store/sqlite.js';

/** A fresh in-memory database built from the real migrations. */
export function testDb() {
  return openDb(':memory:');
}
