import type { Paging } from '../../paging/service.js';
import { pageOutcomeText } from '../blocks/paging.js';
import type { Subcommand } from './types.js';

/** `/incident page [service]`: the same as the card's Page on-call button. */
export const pageSubcommand = ({ paging }: { paging: Paging }): Subcommand => ({
  usage: 'page [service] — page the on-call through PagerDuty',
  needsIncident: true,
  async run({ args, actor, incident, respond }) {
    if (!incident) return;
    const [service] = args.split(/\s+/).filter(Boolean);
    const outcome = await paging.page(incident.id, service ?? null, actor);
    const text = pageOutcomeText(outcome);
    if (text) await respond({ response_type: 'ephemeral', text });
  },
});
