import type {
  BlockButtonAction,
  BlockStaticSelectAction,
  Middleware,
  SlackActionMiddlewareArgs,
} from '@slack/bolt';
import { z } from 'zod';
import { incidentRef, SEVERITIES } from '../../domain/incident.js';
import type { Incidents } from '../../incidents/service.js';
import { getIncident } from '../../store/incidents.js';
import type { Store } from '../../store/unit-of-work.js';
import type { ActorOf } from '../actors.js';
import { resolveModal } from '../blocks/modals.js';

export interface CardServices {
  store: Store;
  incidents: Incidents;
  actorOf: ActorOf;
}

type Button = Middleware<SlackActionMiddlewareArgs<BlockButtonAction>>;
type Select = Middleware<SlackActionMiddlewareArgs<BlockStaticSelectAction>>;

/** Button values carry the incident id (src/slack/blocks/incident-card.ts). */
export const IncidentId = z.coerce.number().int().positive();
const SeverityChoice = z
  .string()
  .regex(/^\d+:sev[1-4]$/)
  .transform((v) => {
    const [id = '', severity = ''] = v.split(':');
    return { id: Number(id), severity: z.enum(SEVERITIES).parse(severity) };
  });

// Every handler acks first (Slack's 3 s), then makes one service call. The card follows by
// itself: the service enqueues a publish, which updates the pinned card in place.

export const acknowledgeClicked =
  ({ incidents, actorOf }: CardServices): Button =>
  async ({ ack, action, body }) => {
    await ack();
    await incidents.acknowledge(IncidentId.parse(action.value), await actorOf(body.user.id));
  };

export const takeCommandClicked =
  ({ store, incidents, actorOf }: CardServices): Button =>
  async ({ ack, action, body, respond }) => {
    await ack();
    const incident = await store.read((tx) => getIncident(tx, IncidentId.parse(action.value)));
    if (incident.ownerId === body.user.id) {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: `You are already in command of ${incidentRef(incident.id)}.`,
      });
      return;
    }
    await incidents.setOwner(incident.id, body.user.id, await actorOf(body.user.id));
  };

export const severityChosen =
  ({ incidents, actorOf }: CardServices): Select =>
  async ({ ack, action, body }) => {
    await ack();
    const { id, severity } = SeverityChoice.parse(action.selected_option.value);
    await incidents.setSeverity(id, severity, await actorOf(body.user.id));
  };

/** Resolve opens the form; people who may not resolve are told so before writing a summary. */
export const resolveClicked =
  ({ store, incidents, actorOf }: CardServices): Button =>
  async ({ ack, action, body, client, respond }) => {
    await ack();
    const incident = await store.read((tx) => getIncident(tx, IncidentId.parse(action.value)));
    if (incident.state === 'resolved') {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: `${incidentRef(incident.id)} is already resolved.`,
      });
      return;
    }
    await incidents.assertMayResolve(incident.id, await actorOf(body.user.id));
    await client.views.open({ trigger_id: body.trigger_id, view: resolveModal(incident) });
  };
