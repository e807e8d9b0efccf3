import { incidentRef } from '../../domain/incident.js';
import { AppError } from '../../errors.js';
import { type NamesOf, peopleIn, renderPostmortem } from '../../postmortem/draft.js';
import { loadPostmortemRecord } from '../../postmortem/record.js';
import type { Store } from '../../store/unit-of-work.js';
import { translate } from '../chat.js';
import type { SubcommandTable } from './types.js';

export interface PostmortemCommandDeps {
  store: Store;
  now: () => Date;
  /** Names for the people in the draft (users.info, cached); ids when a lookup fails. */
  namesOf: NamesOf;
}

/** `12`, `#12`, `INC-12` (any case) → 12. */
export function parseIncidentNumber(text: string): number | null {
  const match = /^(?:inc-?|#)?(\d{1,9})$/i.exec(text.trim());
  return match ? Number(match[1]) : null;
}

/**
 * `/incident postmortem [INC-n]`: the draft, written from the record, posted as a Markdown
 * file in the incident's channel (files.uploadV2: people download it, edit it, paste it into
 * their doc tool or a canvas).
 */
export const postmortemSubcommands = ({
  store,
  now,
  namesOf,
}: PostmortemCommandDeps): SubcommandTable => ({
  postmortem: {
    usage: 'postmortem [INC-n] — post the postmortem draft, written from the record',
    async run({ args, incident, command, client, respond }) {
      const named = args ? parseIncidentNumber(args) : null;
      if (args && named === null) {
        throw new AppError('invalid', `\`${args}\` is not an incident number; try \`INC-12\`.`);
      }
      const id = named ?? incident?.id;
      if (!id) {
        await respond({
          response_type: 'ephemeral',
          text: 'Run `/incident postmortem` in an incident channel, or name the incident: `/incident postmortem INC-12`.',
        });
        return;
      }
      const record = await store.read((tx) => loadPostmortemRecord(tx, id));
      const names = await namesOf(peopleIn(record));
      const markdown = renderPostmortem(record, { generatedAt: now(), names });
      const ref = incidentRef(id);
      const channel = record.incident.channelId ?? command.channel_id;
      try {
        await client.files.uploadV2({
          channel_id: channel,
          content: markdown,
          filename: `${ref}-postmortem-draft.md`,
          title: `${ref} postmortem draft`,
          initial_comment: `📝 Postmortem draft for ${ref}, written from the record by <@${command.user_id}>'s request. Download it, fill in the open sections and share it.`,
        });
      } catch (error) {
        throw new AppError(
          'upstream',
          `Slack did not take the draft (${translate('files.uploadV2', error).message}). It is also available with \`firebreak postmortem ${id}\` and at GET /api/v1/incidents/${id}/postmortem.`,
          { cause: error },
        );
      }
      if (channel !== command.channel_id) {
        await respond({
          response_type: 'ephemeral',
          text: `Posted the ${ref} postmortem draft in <#${channel}>.`,
        });
      }
    },
  },
});
