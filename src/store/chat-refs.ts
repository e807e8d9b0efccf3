import { eq } from 'drizzle-orm';
import { chatRefs } from './schema.js';
import type { Tx } from './sqlite.js';

/** A message posted earlier that later messages reply to (a rollback's progress thread…). */
export interface ChatRef {
  channelId: string;
  ts: string;
}

export async function findChatRef(tx: Tx, key: string): Promise<ChatRef | undefined> {
  return tx
    .select({ channelId: chatRefs.channelId, ts: chatRefs.ts })
    .from(chatRefs)
    .where(eq(chatRefs.key, key))
    .get();
}

/** Remembers a posted message under `key`; the first one remembered stays. */
export async function rememberChatRef(tx: Tx, key: string, ref: ChatRef): Promise<void> {
  tx.insert(chatRefs)
    .values({ key, channelId: ref.channelId, ts: ref.ts })
    .onConflictDoNothing()
    .run();
}
