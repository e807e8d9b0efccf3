import { openDb } from '../../src/db/client.js';

/** A fresh in-memory database built from the real migrations. */
export function testDb() {
  return openDb(':memory:');
}
