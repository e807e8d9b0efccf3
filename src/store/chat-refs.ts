import { eq } from 'drizzle-orm';
import { chatRefs } from './schema.js';
import type { DbOrTx } from './sqlite.js';

/** A message posted earlier that later messages reply to (a rollback's progress thread…). */
export interface ChatRef {
  channelId: string;
  ts: string;
}

export function findChatRef(db: DbOrTx, key: string): ChatRef | undefined {
  return db
    .select({ channelId: chatRefs.channelId, ts: chatRefs.ts })
    .from(chatRefs)
    .where(eq(chatRefs.key, key))
    .get();
}

/** Remembers a posted message under `key`; the first one remembered stays. */
export function rememberChatRef(db: DbOrTx, key: string, ref: ChatRef): void {
  db.insert(chatRefs)
    .values({ key, channelId: ref.channelId, ts: ref.ts })
    .onConflictDoNothing()
    .run();
}
