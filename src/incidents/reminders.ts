import { incidentRef, isOpen, type Severity } from '../domain/incident.js';
import type { OfficeHours } from '../domain/office-hours.js';
import { AppError } from '../errors.js';
import { findIncidentRow } from '../store/incidents.js';
import {
  type IncidentRow,
  ownerRemindersDue,
  setNextUpdateDueAt,
  setOwnerReminderAt,
  statusUpdatesDue,
} from '../store/reminders.js';
import { latestEventOfKind } from '../store/timeline-reads.js';
import type { Store, Tx } from '../store/unit-of-work.js';
import { record, streamOf } from '../timeline/timeline.js';
import { enqueueMessage, enqueuePublish } from './effects.js';
import type { Actor } from './events.js';
import { reminderTime } from './office-hours.js';

export interface ReminderPolicy {
  /** How often a status update is due, per severity; a severity without one is never reminded. */
  reminders: Readonly<Partial<Record<Severity, number>>>;
  /** How often to say that nobody has taken command. */
  unownedReminderMs: number;
  /** sev3/sev4 reminders and call-outs wait for the owner's working hours; unset: never wait. */
  officeHours?: OfficeHours;
}

export interface ReminderDeps {
  store: Store;
  now: () => Date;
  policy: ReminderPolicy;
  kick: () => void;
}

export const SNOOZE_MINUTES = [30, 60] as const;
export type SnoozeMinutes = (typeof SNOOZE_MINUTES)[number];

export interface SweepResult {
  statusReminders: number[];
  ownerReminders: number[];
  /** Incidents whose due reminder or call-out was put off until working hours. */
  deferred: number[];
}

/**
 * Status-update and missing-owner reminders. The due times live on the incident rows
 * (nextUpdateDueAt, ownerReminderAt), so a restart loses none; a sweep posts what is due and
 * moves the due time forward in the same transaction, so sweeping twice posts once.
 */
export function createReminders({ store, now, policy, kick }: ReminderDeps) {
  async function sweep(): Promise<SweepResult> {
    const at = now();
    const result = await store.tx(async (tx) => {
      const result: SweepResult = { statusReminders: [], ownerReminders: [], deferred: [] };
      for (const row of await statusUpdatesDue(tx, at)) {
        const when = await reminderTime(tx, row, row.nextUpdateDueAt ?? at, policy.officeHours);
        if (when > at) {
          await setNextUpdateDueAt(tx, row.id, when);
          result.deferred.push(row.id);
        } else result.statusReminders.push(await remindStatus(tx, row, at));
        await enqueuePublish(tx, row.id, at);
      }
      for (const row of await ownerRemindersDue(tx, at)) {
        const when = await reminderTime(tx, row, row.ownerReminderAt ?? at, policy.officeHours);
        if (when > at) {
          await setOwnerReminderAt(tx, row.id, when);
          result.deferred.push(row.id);
        } else result.ownerReminders.push(await remindOwner(tx, row, at));
        await enqueuePublish(tx, row.id, at);
      }
      return result;
    });
    const { statusReminders, ownerReminders, deferred } = result;
    if (statusReminders.length + ownerReminders.length + deferred.length > 0) kick();
    return result;
  }

  async function remindStatus(tx: Tx, row: IncidentRow, at: Date): Promise<number> {
    const dueAt = row.nextUpdateDueAt ?? at;
    const every = policy.reminders[row.severity];
    await setNextUpdateDueAt(tx, row.id, every ? new Date(at.getTime() + every) : null);
    const recorded = await record(
      tx,
      {
        incidentId: row.id,
        kind: 'reminder_sent',
        at,
        actor: 'firebreak',
        source: 'firebreak',
        payload: { reminder: 'status_update', dueAt: dueAt.toISOString(), ownerId: row.ownerId },
        dedupeKey: `reminder:status_update:${dueAt.getTime()}`,
      },
      at,
    );
    if (recorded) {
      await enqueueMessage(
        tx,
        row.id,
        { kind: 'channel' },
        {
          type: 'status_update_due',
          ownerId: row.ownerId,
          dueAt: dueAt.getTime(),
          lastUpdateAt: (await lastStatusUpdate(tx, row.id))?.getTime() ?? null,
        },
        at,
      );
    }
    return row.id;
  }

  async function remindOwner(tx: Tx, row: IncidentRow, at: Date): Promise<number> {
    const dueAt = row.ownerReminderAt ?? at;
    await setOwnerReminderAt(tx, row.id, new Date(at.getTime() + policy.unownedReminderMs));
    const recorded = await record(
      tx,
      {
        incidentId: row.id,
        kind: 'reminder_sent',
        at,
        actor: 'firebreak',
        source: 'firebreak',
        payload: { reminder: 'owner_missing', dueAt: dueAt.toISOString() },
        dedupeKey: `reminder:owner_missing:${dueAt.getTime()}`,
      },
      at,
    );
    if (recorded) {
      // Nobody may be in the channel yet, so say it where responders look too.
      const message = { type: 'owner_missing', since: row.declaredAt.getTime() } as const;
      await enqueueMessage(tx, row.id, { kind: 'channel' }, message, at);
      await enqueueMessage(tx, row.id, { kind: 'announce' }, message, at);
    }
    return row.id;
  }

  /**
   * Puts the status-update reminder off. `reminderDueAt` names the reminder the button was on,
   * so a second click on the same reminder (or a double click) snoozes once.
   */
  async function snooze(
    id: number,
    minutes: SnoozeMinutes,
    reminderDueAt: number,
    actor: Actor,
  ): Promise<{ until: Date; changed: boolean }> {
    const at = now();
    const result = await store.tx(async (tx) => {
      const row = await findIncidentRow(tx, id);
      if (!row) throw new AppError('not_found', `There is no incident ${incidentRef(id)}.`);
      if (!isOpen(row.state))
        throw new AppError('conflict', `${incidentRef(id)} is resolved; nothing to snooze.`);
      const until = new Date(at.getTime() + minutes * 60_000);
      const recorded = await record(
        tx,
        {
          incidentId: id,
          kind: 'reminder_snoozed',
          at,
          actor: actor.id,
          source: actor.source,
          payload: { minutes, until: until.toISOString() },
          dedupeKey: `reminder_snoozed:${reminderDueAt}`,
        },
        at,
      );
      if (!recorded) return { until: row.nextUpdateDueAt ?? until, changed: false };
      await setNextUpdateDueAt(tx, id, until);
      await enqueuePublish(tx, id, at);
      return { until, changed: true };
    });
    if (result.changed) kick();
    return result;
  }

  return { sweep, snooze };
}

async function lastStatusUpdate(tx: Tx, incidentId: number): Promise<Date | undefined> {
  return (await latestEventOfKind(tx, streamOf(incidentId), 'status_update'))?.at;
}

export type Reminders = ReturnType<typeof createReminders>;
