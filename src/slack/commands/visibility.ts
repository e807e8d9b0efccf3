import { incidentRef } from '../../domain/incident.js';
import type { Visibility } from '../../incidents/visibility.js';
import type { SubcommandTable } from './types.js';

/** `/incident public`: a private incident becomes an ordinary one (owner and commanders only). */
export const visibilitySubcommands = ({
  visibility,
}: {
  visibility: Pick<Visibility, 'makePublic'>;
}): SubcommandTable => ({
  public: {
    usage:
      'public — make a private incident public: listed, on the App Home and announced (owner or commanders)',
    needsIncident: true,
    async run({ incident, actor, respond }) {
      if (!incident) return;
      if (!incident.private) {
        await respond({
          response_type: 'ephemeral',
          text: `${incidentRef(incident.id)} is not private.`,
        });
        return;
      }
      await visibility.makePublic(incident.id, actor);
      await respond({
        response_type: 'in_channel',
        text: `🔓 <@${actor.id}> made ${incidentRef(incident.id)} public: it is listed, shown on the App Home and announced. This channel stays private; invite people or share it as usual.`,
      });
    },
  },
});
