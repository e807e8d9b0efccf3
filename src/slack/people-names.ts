import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { enqueuePublish } from '../incidents/effects.js';
import { personLookupEffect } from '../incidents/office-hours.js';
import { knownPeople, type Person, rememberPeople } from '../store/people.js';
import type { Store } from '../store/unit-of-work.js';

/** Names are asked again after this long: people change them, rarely. */
const FRESH_MS = 24 * 60 * 60_000;
/** users.info is Tier 4 (100+ a minute); a postmortem names a handful of people. */
const MAX_LOOKUPS = 50;
/** A slow Slack does not hold a postmortem up for longer: who is not found by then is an id. */
const LOOKUP_BUDGET_MS = 2000;

/**
 * Display names of Slack users, cached in the database (`people`) and looked up with users.info
 * (scope users:read) when missing or old. A lookup that fails leaves the person out of the map:
 * they are shown by id, and a postmortem is never held up by Slack.
 */
interface PeopleDeps {
  store: Store;
  client: WebClient;
  call: <T>(method: string, fn: () => Promise<T>) => Promise<T>;
  now: () => Date;
  log: Logger;
}

async function lookUp(deps: PeopleDeps, userId: string, at: Date): Promise<Person | null> {
  try {
    const { user } = await deps.call('users.info', () => deps.client.users.info({ user: userId }));
    const name = user?.profile?.display_name || user?.real_name || user?.name;
    return name ? { userId, name, tz: user?.tz ?? null, fetchedAt: at } : null;
  } catch (error) {
    deps.log.debug({ err: error, userId }, 'users.info failed; the id is shown instead');
    return null;
  }
}

const isFresh = (person: Person, at: Date) => at.getTime() - person.fetchedAt.getTime() < FRESH_MS;

export function createPeopleNames(deps: PeopleDeps) {
  return async function namesOf(userIds: readonly string[]): Promise<Map<string, string>> {
    const at = deps.now();
    const known = await deps.store.read((tx) => knownPeople(tx, userIds));
    const names = new Map(known.map((p) => [p.userId, p.name]));
    const fresh = new Set(known.filter((p) => isFresh(p, at)).map((p) => p.userId));
    const stale = userIds.filter((id) => !fresh.has(id)).slice(0, MAX_LOOKUPS);
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<null>((resolve) => {
      timer = setTimeout(resolve, LOOKUP_BUDGET_MS, null);
    });
    const found = (
      await Promise.all(stale.map((id) => Promise.race([lookUp(deps, id, at), budget])))
    ).filter((p): p is Person => p !== null);
    clearTimeout(timer);
    if (found.length > 0) await deps.store.tx((tx) => rememberPeople(tx, found));
    for (const person of found) names.set(person.userId, person.name);
    return names;
  };
}

export type PeopleNames = ReturnType<typeof createPeopleNames>;

/**
 * Carries out `people.lookup`: asks users.info for someone not known or known for more than a
 * day, then shows the incident again (its card counts the next reminder in their zone). A
 * lookup that fails is not retried: reminders then use the configured zone, as documented.
 */
export function personLookupHandler(deps: PeopleDeps & { kick: () => void }) {
  return personLookupEffect.handledBy(async ({ userId, incidentId }) => {
    const at = deps.now();
    const [known] = await deps.store.read((tx) => knownPeople(tx, [userId]));
    if (known && isFresh(known, at)) return;
    const person = await lookUp(deps, userId, at);
    if (!person) return;
    await deps.store.tx(async (tx) => {
      await rememberPeople(tx, [person]);
      await enqueuePublish(tx, incidentId, at);
    });
    deps.kick();
  });
}
