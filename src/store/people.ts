import { inArray } from 'drizzle-orm';
import { people } from './schema.js';
import type { Tx } from './sqlite.js';

/** A Slack user as last looked up: the name people know them by, and their time zone. */
export interface Person {
  userId: string;
  name: string;
  tz: string | null;
  fetchedAt: Date;
}

/** The people of `userIds` this database knows, whatever their age. */
export async function knownPeople(tx: Tx, userIds: readonly string[]): Promise<Person[]> {
  if (userIds.length === 0) return [];
  return tx
    .select()
    .from(people)
    .where(inArray(people.userId, [...userIds]))
    .all();
}

/** Stores what a lookup said, replacing what was known. */
export async function rememberPeople(tx: Tx, found: readonly Person[]): Promise<void> {
  for (const person of found)
    tx.insert(people)
      .values(person)
      .onConflictDoUpdate({
        target: people.userId,
        set: { name: person.name, tz: person.tz, fetchedAt: person.fetchedAt },
      })
      .run();
}
