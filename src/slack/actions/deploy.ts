import type {
  AllMiddlewareArgs,
  BlockButtonAction,
  SlackActionMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import { z } from 'zod';
import { incidentRef, publicName } from '../../domain/incident.js';
import { isAppError } from '../../errors.js';
import { getIncident } from '../../store/incidents.js';
import { freezeModal } from '../blocks/deploy.js';
import { escapeText } from '../blocks/text.js';
import type { DeploySlackServices } from '../deploy-services.js';
import { blocks as ids, inputAction } from '../ids.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;
type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

const RollbackValue = z.object({
  incidentId: z.number().int().positive().nullable(),
  deployId: z.number().int().positive().nullable(),
  toDeployId: z.number().int().positive(),
  retryOf: z.number().int().positive().nullish(),
});
const SuspectValue = z.object({
  incidentId: z.number().int().positive(),
  deployId: z.number().int().positive(),
});
const Id = z.coerce.number().int().positive();
const json = (text: string | undefined): unknown => JSON.parse(text ?? 'null');

const ephemeral = (text: string) => ({
  response_type: 'ephemeral' as const,
  replace_original: false,
  text,
});

/** Roll back (card suspect, `/deploy rollback` prompt, Retry): one rollback however often it is clicked. */
export const rollbackClicked =
  (s: DeploySlackServices) =>
  async ({ ack, body, action, respond }: ButtonArgs) => {
    await ack();
    const value = RollbackValue.parse(json(action.value));
    const { rollback, created } = await s.rollbacks.request(
      {
        incidentId: value.incidentId,
        fromDeployId: value.deployId,
        toDeployId: value.toDeployId,
        retryOf: value.retryOf ?? null,
        channelId: body.channel?.id ?? null,
      },
      await s.actorOf(body.user.id),
    );
    if (!created) {
      await respond(
        ephemeral(
          `Rollback #${rollback.id} of ${escapeText(rollback.service)}/${escapeText(rollback.environment)} was already asked for by <@${rollback.requestedBy}> and is ${rollback.status}; nothing new was started.`,
        ),
      );
    } else if (value.incidentId === null) {
      await respond(
        ephemeral(`⏪ Rollback #${rollback.id} requested; progress follows in this channel.`),
      );
    }
  };

export const notRelatedClicked =
  (s: DeploySlackServices) =>
  async ({ ack, body, action }: ButtonArgs) => {
    await ack();
    const value = SuspectValue.parse(json(action.value));
    await s.suspects.markNotRelated(
      value.incidentId,
      value.deployId,
      await s.actorOf(body.user.id),
    );
  };

/** The card's Freeze deploys: a modal prefilled with the incident's scope. */
export const freezeClicked =
  (s: DeploySlackServices) =>
  async ({ ack, body, action, client }: ButtonArgs) => {
    await ack();
    const incident = await s.store.read((tx) => getIncident(tx, Id.parse(action.value)));
    await client.views.open({
      trigger_id: body.trigger_id,
      view: freezeModal({
        incidentId: incident.id,
        channelId: incident.channelId,
        services: incident.services,
        environment: incident.environment,
        reason: publicName(incident), // a freeze's reason is public: the gate shows it
        defaultMs: s.policy.freezeDefaultMs,
        maxMs: s.policy.freezeMaxMs,
      }),
    });
  };

const Metadata = z.object({
  incidentId: z.number().int().positive().nullable(),
  channelId: z.string().nullable(),
});
const list = (text: string | null | undefined) =>
  (text ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/** The freeze modal's submission; problems go back onto the form's fields. */
export const freezeSubmitted =
  (s: DeploySlackServices) =>
  async ({ ack, body, view }: ViewArgs) => {
    const meta = Metadata.parse(json(view.private_metadata));
    const values = view.state.values;
    const field = (block: string) => values[block]?.[inputAction];
    const services = list(field(ids.freezeServices)?.value).map((n) =>
      n.includes('*') ? n : s.catalog.resolve(n).service,
    );
    const environments = list(field(ids.freezeEnvironments)?.value);
    const durationMs = Number(
      field(ids.freezeDuration)?.selected_option?.value ?? s.policy.freezeDefaultMs,
    );
    const blocksRollbacks = (field(ids.freezeOptions)?.selected_options ?? []).some(
      (o) => o.value === 'block_rollbacks',
    );
    try {
      await s.freezes.create(
        {
          services,
          environments,
          durationMs,
          reason: field(ids.freezeReason)?.value ?? '',
          incidentId: meta.incidentId,
          channelId: meta.channelId,
          blocksRollbacks,
        },
        await s.actorOf(body.user.id),
      );
    } catch (error) {
      if (!isAppError(error)) throw error;
      const block = /reason|why/i.test(error.message)
        ? ids.freezeReason
        : /minutes|duration/i.test(error.message)
          ? ids.freezeDuration
          : ids.freezeServices;
      await ack({ response_action: 'errors', errors: { [block]: error.message.slice(0, 150) } });
      return;
    }
    await ack();
  };

export const liftFreezeClicked =
  (s: DeploySlackServices) =>
  async ({ ack, body, action, respond }: ButtonArgs) => {
    await ack();
    const freeze = await s.freezes.lift(Id.parse(action.value), await s.actorOf(body.user.id));
    await respond(ephemeral(`🌤 Freeze #${freeze.id} lifted.`));
  };

export const markMitigatedClicked =
  (s: DeploySlackServices) =>
  async ({ ack, body, action, respond }: ButtonArgs) => {
    await ack();
    const incident = await s.incidents.markMitigated(
      Id.parse(action.value),
      await s.actorOf(body.user.id),
    );
    await respond(ephemeral(`${incidentRef(incident.id)} is marked mitigated.`));
  };

/** Cancel on an automatic rollback's countdown: stops it, unless the deadline came first. */
export const cancelAutoRollbackClicked =
  (s: DeploySlackServices) =>
  async ({ ack, body, action, respond }: ButtonArgs) => {
    await ack();
    const { cancelled, row } = await s.autoRollbacks.cancel(
      Id.parse(action.value),
      await s.actorOf(body.user.id),
    );
    if (cancelled) return;
    const what = `The automatic rollback of ${escapeText(row.service ?? '?')}/${escapeText(row.environment)}`;
    await respond(
      ephemeral(
        row.status === 'cancelled'
          ? `${what} was already cancelled${row.settledBy ? ` by <@${row.settledBy}>` : ''}.`
          : row.status === 'pending'
            ? `${what} is still counting down.`
            : `Too late: ${what} is ${row.status}.${row.status === 'executed' ? ' Follow the rollback in the thread; to undo it, deploy again.' : ''}`,
      ),
    );
  };
