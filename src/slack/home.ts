import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Catalog } from '../catalog.js';
import {
  buildHome,
  type HomeModel,
  homeEffect,
  homeHash,
  homeLane,
  loadHomeShared,
} from '../read-model/home.js';
import { recentViewers, rememberViewer, setPublished } from '../store/home.js';
import { pendingInLane } from '../store/outbox.js';
import type { Store, Tx } from '../store/unit-of-work.js';
import { homeView } from './blocks/home.js';

/** Homes of people who opened theirs this recently are kept up to date. */
export const HOME_REFRESH_WINDOW_MS = 2 * 60 * 60_000;
/** Changes within this are gathered into one views.publish per person. */
export const HOME_DEBOUNCE_MS = 2000;
/**
 * At most this many refreshes are queued per sweep (every 10 s: 90 a minute), inside
 * views.publish's Tier 4 (100+ a minute per workspace). Homes left over go in the next sweep.
 */
export const HOME_REFRESHES_PER_SWEEP = 15;

export interface HomeDeps {
  store: Store;
  now: () => Date;
  kick: () => void;
  catalog: Pick<Catalog, 'names' | 'owners'>;
  web: WebClient;
  call: <T>(method: string, fn: () => Promise<T>) => Promise<T>;
  namesOf: (userIds: readonly string[]) => Promise<ReadonlyMap<string, string>>;
  log: Logger;
}

/**
 * The App Home: published when someone opens it (and it changed since they last saw it), after
 * their own clicks on it, and by a sweep that finds the homes of recent viewers whose content
 * changed (any change: incidents, freezes, deploys, follow-ups) and refreshes each once,
 * debounced and paced, through the outbox.
 */
export function createHome(deps: HomeDeps) {
  const { store, now, catalog } = deps;

  const enqueue = (tx: Tx, userId: string, at: Date, urgent: boolean) =>
    homeEffect.enqueue(
      tx,
      {
        lane: homeLane(userId),
        coalesceKey: `home.publish:${userId}`,
        urgent,
        delayMs: urgent ? 0 : HOME_DEBOUNCE_MS,
        payload: { userId },
      },
      at,
    );

  /** app_home_opened on the Home tab. `shown`: Slack still has a view of ours for them. */
  async function opened(userId: string, shown: boolean): Promise<void> {
    const at = now();
    const queued = await store.tx(async (tx) => {
      const viewer = await rememberViewer(tx, userId, at);
      const model = await buildHome(tx, userId, at, catalog);
      if (shown && viewer.publishedHash === homeHash(model)) return false;
      await enqueue(tx, userId, at, true);
      return true;
    });
    if (queued) deps.kick();
  }

  /** Publish someone's home now (after their click on it). */
  async function refresh(userId: string): Promise<void> {
    const at = now();
    await store.tx(async (tx) => {
      await rememberViewer(tx, userId, at);
      await enqueue(tx, userId, at, true);
    });
    deps.kick();
  }

  /**
   * The sweep: queue a refresh for each recent viewer whose home changed. Returns how many. The
   * homes are built in a read, so ingest is not held up behind them; only the queuing writes.
   */
  async function sweep(): Promise<number> {
    const at = now();
    const changed = await store.read(async (tx) => {
      const viewers = await recentViewers(tx, new Date(at.getTime() - HOME_REFRESH_WINDOW_MS));
      // Those who looked most recently first, when there are more than one sweep may refresh.
      viewers.sort((a, b) => b.openedAt.getTime() - a.openedAt.getTime());
      const shared = await loadHomeShared(tx, at);
      const due: string[] = [];
      for (const viewer of viewers) {
        if (due.length >= HOME_REFRESHES_PER_SWEEP) break;
        // A refresh already waiting publishes what is there when it runs; asking again would
        // only make it run twice. What changes after it read is found by the next sweep.
        if ((await pendingInLane(tx, homeLane(viewer.userId))).length > 0) continue;
        const model = await buildHome(tx, viewer.userId, at, catalog, shared);
        if (homeHash(model) !== viewer.publishedHash) due.push(viewer.userId);
      }
      return due;
    });
    if (changed.length === 0) return 0;
    const queued = await store.tx(async (tx) => {
      let n = 0;
      for (const userId of changed) {
        // Another sweep (another replica) may have queued it since the read.
        if ((await pendingInLane(tx, homeLane(userId))).length > 0) continue;
        await enqueue(tx, userId, at, false);
        n++;
      }
      return n;
    });
    if (queued > 0) deps.kick();
    return queued;
  }

  async function publish(userId: string): Promise<void> {
    const at = now();
    const model = await store.read((tx) => buildHome(tx, userId, at, catalog));
    const names = await deps.namesOf(peopleOn(model));
    const view = homeView(model, names, at);
    await deps.call('views.publish', () => deps.web.views.publish({ user_id: userId, view }));
    await store.tx((tx) => setPublished(tx, userId, homeHash(model), at));
  }

  return {
    opened,
    refresh,
    sweep,
    effects: [homeEffect.handledBy(({ userId }) => publish(userId))],
  };
}

const peopleOn = (model: HomeModel) => [
  ...new Set(model.incidents.flatMap((i) => (i.ownerId ? [i.ownerId] : []))),
];

export type Home = ReturnType<typeof createHome>;
