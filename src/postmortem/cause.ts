import { incidentRef } from '../domain/incident.js';
import type { CauseOption } from '../domain/messages.js';
import { AppError } from '../errors.js';
import { enqueueMessage, enqueuePublish } from '../incidents/effects.js';
import type { Actor, IncidentListener } from '../incidents/events.js';
import { getIncident } from '../store/incidents.js';
import { type DeployRow, setVerdicts, suspectsOf } from '../store/postmortem.js';
import type { Store } from '../store/unit-of-work.js';
import { record } from '../timeline/timeline.js';

export interface CauseDeps {
  store: Store;
  now: () => Date;
  kick: () => void;
}

/**
 * When an incident resolves with suspect deploys and no cause recorded yet, ask in the channel
 * "Caused by a deploy?" with the suspects as the answers. The answer is structured data
 * (incident_deploys.verdict), which the postmortem and the change failure rate read.
 */
export const askForCause: IncidentListener = async (tx, event) => {
  if (event.type !== 'resolved') return;
  const rows = await suspectsOf(tx, event.incident.id);
  if (rows.length === 0 || rows.some((r) => r.link.verdict === 'causal')) return;
  const open = rows.filter((r) => r.link.verdict === 'suspect');
  if (open.length === 0) return;
  const options: CauseOption[] = open.map(({ deploy }) => ({
    deployId: deploy.id,
    service: deploy.service,
    environment: deploy.environment,
    version: deploy.version,
    at: deploy.at.toISOString(),
  }));
  await enqueueMessage(
    tx,
    event.incident.id,
    { kind: 'channel' },
    { type: 'cause_question', suspects: options },
    event.at,
  );
};

export interface CauseAnswer {
  /** The deploy confirmed as the cause; null for "not caused by any of these deploys". */
  deploy: DeployRow | null;
  /** False when the same answer had been recorded already. */
  changed: boolean;
}

export function createCauses({ store, now, kick }: CauseDeps) {
  /** Records the answer to "Caused by a deploy?" (a deploy id, or null for none of them). */
  async function recordCause(
    incidentId: number,
    deployId: number | null,
    actor: Actor,
  ): Promise<CauseAnswer> {
    const at = now();
    const answer = await store.tx(async (tx): Promise<CauseAnswer> => {
      await getIncident(tx, incidentId);
      const rows = await suspectsOf(tx, incidentId);
      if (deployId === null) {
        const open = rows.filter((r) => r.link.verdict === 'suspect').map((r) => r.deploy.id);
        await setVerdicts(tx, incidentId, open, { verdict: 'not_related', by: actor.id, at });
        const recorded = await record(
          tx,
          {
            incidentId,
            kind: 'cause_recorded',
            at,
            actor: actor.id,
            source: actor.source,
            dedupeKey: 'cause:none',
            payload: { deployId: null, causedByDeploy: false, notRelated: open },
          },
          at,
        );
        if (recorded) await enqueuePublish(tx, incidentId, at);
        return { deploy: null, changed: recorded !== null };
      }
      const row = rows.find((r) => r.deploy.id === deployId);
      if (!row) {
        throw new AppError(
          'not_found',
          `Deploy ${deployId} is not one of the suspects of ${incidentRef(incidentId)}.`,
        );
      }
      if (row.link.verdict === 'causal') return { deploy: row.deploy, changed: false };
      await setVerdicts(tx, incidentId, [deployId], { verdict: 'causal', by: actor.id, at });
      await record(
        tx,
        {
          incidentId,
          kind: 'cause_recorded',
          at,
          actor: actor.id,
          source: actor.source,
          payload: {
            deployId,
            causedByDeploy: true,
            service: row.deploy.service,
            environment: row.deploy.environment,
            version: row.deploy.version,
            from: row.link.verdict,
          },
        },
        at,
      );
      await enqueuePublish(tx, incidentId, at);
      return { deploy: row.deploy, changed: true };
    });
    if (answer.changed) kick();
    return answer;
  }

  return { recordCause };
}

export type Causes = ReturnType<typeof createCauses>;
