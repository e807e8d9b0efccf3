import type { Middleware, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import type { Incidents } from '../../incidents/service.js';
import type { ActorOf } from '../actors.js';
import { commitOrShowErrors } from '../errors.js';
import { fields } from '../ids.js';
import { readForm, readMetadata, showFieldErrors } from './form.js';

const Metadata = z.object({ incidentId: z.number().int().positive() });

type Submission = Middleware<SlackViewMiddlewareArgs<ViewSubmitAction>>;

/** The resolve form: a second submission (or a second person) resolves once. */
export const resolveSubmitted =
  ({ incidents, actorOf }: { incidents: Incidents; actorOf: ActorOf }): Submission =>
  async ({ ack, view, body }) => {
    const summary = readForm(view).text(fields.summary);
    const invalid = await showFieldErrors(ack, {
      [fields.summary]: summary ? null : 'Say in a sentence what fixed it.',
    });
    if (invalid) return;
    const { incidentId } = readMetadata(view, Metadata);
    const actor = await actorOf(body.user.id);
    const done = await commitOrShowErrors(ack, fields.summary, () =>
      incidents.resolve(incidentId, summary, actor),
    );
    if (done) await ack();
  };

/** The status-update form (the reminder's Post update, or `/incident status` without text). */
export const statusUpdateSubmitted =
  ({ incidents, actorOf }: { incidents: Incidents; actorOf: ActorOf }): Submission =>
  async ({ ack, view, body }) => {
    const text = readForm(view).text(fields.update);
    const invalid = await showFieldErrors(ack, {
      [fields.update]: text ? null : 'Write the update.',
    });
    if (invalid) return;
    const { incidentId } = readMetadata(view, Metadata);
    const actor = await actorOf(body.user.id);
    const done = await commitOrShowErrors(ack, fields.update, () =>
      incidents.statusUpdate(incidentId, text, actor),
    );
    if (done) await ack();
  };
