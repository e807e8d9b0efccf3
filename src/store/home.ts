import { and, asc, eq, gte } from 'drizzle-orm';
import { type FollowupRow, followups, homeViewers } from './schema.js';
import type { Tx } from './sqlite.js';

// The App Home: who looks at it, what it shows them, and the follow-ups it lists.

export interface HomeViewer {
  userId: string;
  openedAt: Date;
  publishedHash: string | null;
  publishedAt: Date | null;
}

/** Someone opened the Home tab: keep them among those whose home is kept up to date. */
export async function rememberViewer(tx: Tx, userId: string, at: Date): Promise<HomeViewer> {
  return tx
    .insert(homeViewers)
    .values({ userId, openedAt: at })
    .onConflictDoUpdate({ target: homeViewers.userId, set: { openedAt: at } })
    .returning()
    .get();
}

export async function findViewer(tx: Tx, userId: string): Promise<HomeViewer | undefined> {
  return tx.select().from(homeViewers).where(eq(homeViewers.userId, userId)).get();
}

/** Those who opened the Home tab at or after `since`. */
export async function recentViewers(tx: Tx, since: Date): Promise<HomeViewer[]> {
  return tx
    .select()
    .from(homeViewers)
    .where(gte(homeViewers.openedAt, since))
    .orderBy(asc(homeViewers.userId))
    .all();
}

/** What was published to `userId`'s Home tab (a hash of it), and when. */
export async function setPublished(tx: Tx, userId: string, hash: string, at: Date): Promise<void> {
  tx.update(homeViewers)
    .set({ publishedHash: hash, publishedAt: at })
    .where(eq(homeViewers.userId, userId))
    .run();
}

/** The open follow-ups someone owns, oldest first. */
export async function openFollowupsOwnedBy(tx: Tx, ownerId: string): Promise<FollowupRow[]> {
  return tx
    .select()
    .from(followups)
    .where(and(eq(followups.ownerId, ownerId), eq(followups.state, 'open')))
    .orderBy(asc(followups.id))
    .all();
}
