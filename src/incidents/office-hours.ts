import { z } from 'zod';
import type { Severity } from '../domain/incident.js';
import {
  isTimeZone,
  nextWorkingMoment,
  type OfficeHours,
  waitsForOfficeHours,
} from '../domain/office-hours.js';
import { defineEffect } from '../outbox/effects.js';
import { knownPeople } from '../store/people.js';
import type { Tx } from '../store/unit-of-work.js';
import type { IncidentListener } from './events.js';

/**
 * When a reminder or call-out due at `due` really comes. With office hours configured, a sev3
 * or sev4 one waits for the owner's working hours in the owner's own time zone (`users.info`
 * `tz`, cached in `people`); an incident nobody owns, or an owner whose zone is not known yet,
 * uses the configured zone. sev1 and sev2 never wait.
 */
export async function reminderTime(
  tx: Tx,
  incident: { severity: Severity; ownerId: string | null },
  due: Date,
  hours: OfficeHours | undefined,
): Promise<Date> {
  if (!hours || !waitsForOfficeHours(incident.severity)) return due;
  return nextWorkingMoment(due, hours, await zoneOf(tx, incident.ownerId, hours));
}

async function zoneOf(tx: Tx, userId: string | null, hours: OfficeHours): Promise<string> {
  if (!userId) return hours.timeZone;
  const [person] = await knownPeople(tx, [userId]);
  return person?.tz && isTimeZone(person.tz) ? person.tz : hours.timeZone;
}

/**
 * Learn a person's time zone (and name) from the chat platform, then show the incident again so
 * its card counts the next reminder in that zone. Carried out in src/slack/people-names.ts.
 */
export const personLookupEffect = defineEffect({
  kind: 'people.lookup',
  payload: z.object({ userId: z.string().min(1), incidentId: z.number() }),
});

/**
 * With office hours on, whoever takes an incident is looked up once (coalesced per person), so
 * their reminders wait for their own working day rather than the configured zone's.
 */
export const lookUpNewOwners: IncidentListener = async (tx, event) => {
  const ownerId =
    event.type === 'opened' || event.type === 'owner_changed' ? event.incident.ownerId : null;
  if (!ownerId) return;
  await personLookupEffect.enqueue(
    tx,
    {
      lane: `people:${ownerId}`,
      coalesceKey: `people.lookup:${ownerId}`,
      payload: { userId: ownerId, incidentId: event.incident.id },
    },
    event.at,
  );
};
