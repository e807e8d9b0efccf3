import type { types } from '@slack/bolt';
import { incidentRef, SEVERITIES, type Severity } from '../../domain/incident.js';
import { TITLE_MAX } from '../../incidents/service.js';
import { fields, views } from '../ids.js';
import { severityLabel } from './incident-card.js';
import { escapeText, mrkdwn, plain, truncate } from './text.js';

/** Slack caps private_metadata at 3000 characters; a quoted message keeps well under it. */
export const QUOTED_TEXT_MAX = 2000;
export const DESCRIPTION_MAX = 3000;
export const UPDATE_MAX = 2900;
const MAX_SERVICE_OPTIONS = 100;

/** What the declare form carries between opening and submission. */
export interface DeclareMetadata {
  /** The message a "Declare incident" shortcut was used on. */
  fromMessage?: {
    channelId: string;
    ts: string;
    userId: string | null;
    text: string;
    permalink: string | null;
  };
}

/** What a declared incident is when nobody says: "something is wrong, we are looking". */
export const DEFAULT_SEVERITY: Severity = 'sev3';

const severityOption = (s: Severity) => ({ text: plain(severityLabel(s)), value: s });

function textInput(
  field: string,
  label: string,
  options: {
    multiline?: boolean;
    max: number;
    initial?: string;
    optional?: boolean;
    hint?: string;
  },
): types.InputBlock {
  return {
    type: 'input',
    block_id: field,
    optional: options.optional ?? false,
    label: plain(label, 2000),
    ...(options.hint ? { hint: plain(options.hint, 2000) } : {}),
    element: {
      type: 'plain_text_input',
      action_id: field,
      multiline: options.multiline ?? false,
      max_length: options.max,
      ...(options.initial ? { initial_value: truncate(options.initial, options.max, '…') } : {}),
    },
  };
}

/** The declare form: title, severity, services and description. */
export function declareModal(input: {
  services: readonly string[];
  severity?: Severity;
  title?: string;
  description?: string;
  metadata?: DeclareMetadata;
  /** The "Private incident" box starts ticked (`/incident declare --private`). */
  private?: boolean;
}): types.ModalView {
  const privateOption = {
    text: plain('Private incident'),
    description: plain(
      'A private channel; not announced, and listed only to the people in its channel.',
    ),
    value: 'private',
  };
  const services: types.InputBlock =
    input.services.length > 0
      ? {
          type: 'input',
          block_id: fields.services,
          optional: true,
          label: plain('Affected services'),
          element: {
            type: 'multi_static_select',
            action_id: fields.services,
            placeholder: plain('Pick services'),
            options: input.services
              .slice(0, MAX_SERVICE_OPTIONS)
              .map((s) => ({ text: plain(s), value: s })),
          },
        }
      : textInput(fields.services, 'Affected services', {
          max: 500,
          optional: true,
          hint: 'Comma separated, e.g. checkout, payments',
        });
  return {
    type: 'modal',
    callback_id: views.declare,
    title: plain('Declare an incident', 24),
    submit: plain('Declare', 24),
    close: plain('Cancel', 24),
    private_metadata: fitMetadata(input.metadata ?? {}),
    blocks: [
      textInput(fields.title, 'Title', {
        max: TITLE_MAX,
        initial: input.title,
        hint: 'What is broken, in a few words. It names the channel.',
      }),
      {
        type: 'input',
        block_id: fields.severity,
        label: plain('Severity'),
        element: {
          type: 'static_select',
          action_id: fields.severity,
          initial_option: severityOption(input.severity ?? DEFAULT_SEVERITY),
          options: SEVERITIES.map(severityOption),
        },
        hint: plain('SEV1 is the worst: customers cannot use the product.', 2000),
      },
      services,
      textInput(fields.description, 'Description', {
        multiline: true,
        max: DESCRIPTION_MAX,
        optional: true,
        initial: input.description,
      }),
      {
        type: 'input',
        block_id: fields.private,
        optional: true,
        label: plain('Visibility'),
        element: {
          type: 'checkboxes',
          action_id: fields.private,
          options: [privateOption],
          ...(input.private ? { initial_options: [privateOption] } : {}),
        },
      },
    ],
  };
}

/** Shown in place of the declare form once the incident exists. */
export function declaredModal(incident: { id: number; title: string }): types.ModalView {
  return {
    type: 'modal',
    title: plain('Incident declared', 24),
    close: plain('Close', 24),
    blocks: [
      {
        type: 'section',
        text: mrkdwn(
          `🔥 *${incidentRef(incident.id)}* ${escapeText(truncate(incident.title, 200))} is declared. Its channel is being created and you will be invited; the incident card is pinned there.`,
        ),
      },
    ],
  };
}

/** The resolve form; the summary goes to the channel, the timeline and the postmortem. */
export function resolveModal(incident: { id: number; title: string }): types.ModalView {
  return {
    type: 'modal',
    callback_id: views.resolve,
    title: plain(`Resolve ${incidentRef(incident.id)}`, 24),
    submit: plain('Resolve', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify({ incidentId: incident.id }),
    blocks: [
      {
        type: 'section',
        text: mrkdwn(`*${incidentRef(incident.id)}* ${escapeText(truncate(incident.title, 200))}`),
      },
      textInput(fields.summary, 'What fixed it?', {
        multiline: true,
        max: UPDATE_MAX,
        hint: 'A sentence or two for the channel, the timeline and the postmortem.',
      }),
    ],
  };
}

/** The status-update form (the reminder's Post update, or `/incident status` without text). */
export function statusUpdateModal(incident: { id: number; title: string }): types.ModalView {
  return {
    type: 'modal',
    callback_id: views.statusUpdate,
    title: plain('Status update', 24),
    submit: plain('Post', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify({ incidentId: incident.id }),
    blocks: [
      {
        type: 'section',
        text: mrkdwn(`*${incidentRef(incident.id)}* ${escapeText(truncate(incident.title, 200))}`),
      },
      textInput(fields.update, 'Where do things stand?', {
        multiline: true,
        max: UPDATE_MAX,
        hint: 'Posted in the incident channel and the announce channel.',
      }),
    ],
  };
}

const METADATA_MAX = 3000;

/** JSON escaping can grow the quoted text past Slack's cap: shorten the quote until it fits. */
function fitMetadata(metadata: DeclareMetadata): string {
  let json = JSON.stringify(metadata);
  let quoted = metadata.fromMessage;
  while (quoted && json.length > METADATA_MAX) {
    quoted = { ...quoted, text: truncate(quoted.text, Math.floor(quoted.text.length * 0.8)) };
    json = JSON.stringify({ ...metadata, fromMessage: quoted });
  }
  return json;
}
