import { eq } from 'drizzle-orm';
import { chatRefs } from './schema.js';
import type { DbOrTx } from './sqlite.js';

/** A message posted earlier that later messages reply to (a rollback's progress thread…). */
export interface ChatRef {
  key: string;
  channelId: string;
  ts: string;
}

export function findChatRef(db: DbOrTx, key: string): ChatRef | undefined {
  return db.select().from(chatRefs).where(eq(chatRefs.key, key)).get();
}

/** Remembers where a message went; the first message remembered under a key keeps it. */
export function rememberChatRef(db: DbOrTx, ref: ChatRef): void {
  db.insert(chatRefs).values(ref).onConflictDoNothing().run();
}
