import { incidentRef, isOpen } from '../domain/incident.js';
import { AppError } from '../errors.js';
import { addChecklistSteps, checklistOf, setChecklistStep } from '../store/checklist.js';
import { getIncident } from '../store/incidents.js';
import type { Store, Tx } from '../store/unit-of-work.js';
import { record } from '../timeline/timeline.js';
import { type ChecklistChange, stepsFor } from './checklist-decide.js';
import { enqueuePublish } from './effects.js';
import type { Actor, IncidentListener } from './events.js';

export interface ChecklistDeps {
  store: Store;
  now: () => Date;
  kick: () => void;
  /** services.<name>.checklist */
  checklistOf: (service: string) => readonly string[];
  /** At most this many steps on one card (one Slack checkbox group). */
  maxSteps: number;
}

/**
 * The services' checklists as steps on the incident's card. The steps are copied onto the
 * incident when it opens (and when a later change finds services added since), so the record
 * and the postmortem keep the list the responders saw even if the config changes later.
 */
export function createChecklist(deps: ChecklistDeps) {
  const { store, now } = deps;

  async function attach(tx: Tx, incidentId: number, services: readonly string[]) {
    const have = new Set((await checklistOf(tx, incidentId)).map((s) => s.text));
    const fresh = stepsFor(services, deps.checklistOf, deps.maxSteps).filter((s) => !have.has(s));
    return addChecklistSteps(
      tx,
      incidentId,
      fresh.slice(0, Math.max(0, deps.maxSteps - have.size)),
    );
  }

  // Alerts add services without an event of their own, so every change to an open incident
  // (acknowledged, severity, owner, state…) looks for the steps of services added since.
  const listener: IncidentListener = async (tx, event) => {
    if (event.type === 'resolved') return;
    if ((await attach(tx, event.incident.id, event.incident.services)) > 0)
      await enqueuePublish(tx, event.incident.id, event.at, { background: true });
  };

  /** Applies one click (the boxes it ticked and unticked); each real change is on the timeline. */
  async function apply(
    incidentId: number,
    change: ChecklistChange,
    actor: Actor,
  ): Promise<{ changed: number }> {
    const at = now();
    const changed = await store.tx(async (tx) => {
      const incident = await getIncident(tx, incidentId);
      if (!isOpen(incident.state))
        throw new AppError(
          'conflict',
          `${incidentRef(incidentId)} is resolved; its checklist is closed.`,
        );
      const steps = await checklistOf(tx, incidentId);
      let n = 0;
      for (const [list, checked] of [
        [change.ticked, true],
        [change.unticked, false],
      ] as const) {
        for (const text of list) {
          const step = steps.find((s) => s.text === text);
          if (!step) continue; // a card older than the record: nothing to change
          if (!(await setChecklistStep(tx, incidentId, text, checked, actor.id, at))) continue;
          await record(
            tx,
            {
              incidentId,
              kind: checked ? 'checklist_ticked' : 'checklist_unticked',
              at,
              actor: actor.id,
              source: actor.source,
              payload: { step: text, position: step.position + 1 },
            },
            at,
          );
          n++;
        }
      }
      if (n > 0) await enqueuePublish(tx, incidentId, at);
      return n;
    });
    if (changed > 0) deps.kick();
    return { changed };
  }

  return { listener, apply };
}

export type Checklist = ReturnType<typeof createChecklist>;
