import type { Middleware, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import { SEVERITIES } from '../../domain/incident.js';
import { type Incidents, TITLE_MAX } from '../../incidents/service.js';
import type { ActorOf } from '../actors.js';
import { DESCRIPTION_MAX, declaredModal } from '../blocks/modals.js';
import { commitOrShowErrors } from '../errors.js';
import { fields } from '../ids.js';
import { readForm, readMetadata, showFieldErrors } from './form.js';

const Metadata = z.object({
  fromMessage: z
    .object({
      channelId: z.string(),
      ts: z.string().regex(/^\d+\.\d+$/),
      userId: z.string().nullable(),
      text: z.string(),
      permalink: z.string().nullable(),
    })
    .optional(),
});

/** A typed services field: "checkout, payments" (used when no services are configured). */
const splitServices = (text: string) =>
  text
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/** The declare form (from `/incident declare` or the "Declare incident" message shortcut). */
export const declareSubmitted =
  ({
    incidents,
    actorOf,
  }: {
    incidents: Incidents;
    actorOf: ActorOf;
  }): Middleware<SlackViewMiddlewareArgs<ViewSubmitAction>> =>
  async ({ ack, view, body }) => {
    const form = readForm(view);
    const title = form.text(fields.title);
    const severity = z.enum(SEVERITIES).safeParse(form.option(fields.severity));
    const description = form.text(fields.description);
    const invalid = await showFieldErrors(ack, {
      [fields.title]: !title
        ? 'Give the incident a title.'
        : title.length > TITLE_MAX
          ? `Keep the title under ${TITLE_MAX} characters (it has ${title.length}).`
          : null,
      [fields.severity]: severity.success ? null : 'Pick a severity.',
      [fields.description]:
        description.length > DESCRIPTION_MAX
          ? `Keep the description under ${DESCRIPTION_MAX} characters.`
          : null,
    });
    if (invalid || !severity.success) return;
    const { fromMessage } = readMetadata(view, Metadata);
    const actor = await actorOf(body.user.id);
    const incident = await commitOrShowErrors(ack, fields.title, () =>
      incidents.declare(
        {
          title,
          severity: severity.data,
          services: [
            ...form.options(fields.services),
            ...splitServices(form.text(fields.services)),
          ],
          description: description || null,
          private: form.options(fields.private).includes('private'),
          fromMessage: fromMessage
            ? {
                text: fromMessage.text,
                userId: fromMessage.userId,
                permalink: fromMessage.permalink,
                at: new Date(Math.round(Number(fromMessage.ts) * 1000)),
              }
            : null,
        },
        actor,
      ),
    );
    if (!incident) return;
    await ack({ response_action: 'update', view: declaredModal(incident) });
  };
