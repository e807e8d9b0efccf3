import type { Catalog } from '../../catalog.js';
import { type Incident, incidentRef } from '../../domain/incident.js';
import { AppError } from '../../errors.js';
import type { Incidents } from '../../incidents/service.js';
import type { Visibility } from '../../incidents/visibility.js';
import { openIncidents } from '../../store/incidents.js';
import type { Store } from '../../store/unit-of-work.js';
import { severityLabel, stateLabel } from '../blocks/incident-card.js';
import { incidentList } from '../blocks/incident-list.js';
import {
  DEFAULT_SEVERITY,
  declareModal,
  resolveModal,
  statusUpdateModal,
} from '../blocks/modals.js';
import { escapeText } from '../blocks/text.js';
import { parseDeclare, parseSeverity, parseState, parseUser, unescapeSlack } from './args.js';
import type { SubcommandContext, SubcommandTable } from './types.js';

export interface IncidentCommandServices {
  store: Store;
  incidents: Incidents;
  catalog: Catalog;
  /** Who may see a private incident (`list` shows it only to its channel's members). */
  visibility: Pick<Visibility, 'visibleTo'>;
}

/** The router checks needsIncident; this narrows the type and guards a table mistake. */
function here(ctx: SubcommandContext): Incident {
  if (!ctx.incident) throw new AppError('invalid', 'Run this inside an incident channel.');
  return ctx.incident;
}

const tell = (ctx: SubcommandContext, text: string) =>
  ctx.respond({ response_type: 'ephemeral', text });

/**
 * `/incident …` subcommands of the incident lifecycle. Each is one service call; what changed
 * is shown by the card (updated in place) and the service's message in the channel, so the
 * person typing only hears back when nothing changed or a form opens.
 */
export function incidentSubcommands({
  store,
  incidents,
  catalog,
  visibility,
}: IncidentCommandServices): SubcommandTable {
  return {
    declare: {
      usage:
        'declare [--private] [sev1-4] <title> — declare an incident (no title: a form; --private: a private incident)',
      async run(ctx) {
        const { severity, title, private: isPrivate } = parseDeclare(ctx.args);
        if (!title) {
          await ctx.client.views.open({
            trigger_id: ctx.command.trigger_id,
            view: declareModal({
              services: catalog.names(),
              severity: severity ?? undefined,
              private: isPrivate,
            }),
          });
          return;
        }
        const incident = await incidents.declare(
          {
            title: unescapeSlack(title),
            severity: severity ?? DEFAULT_SEVERITY,
            private: isPrivate,
          },
          ctx.actor,
        );
        const kind = incident.private ? '🔒 Declared private incident' : '🔥 Declared';
        await tell(
          ctx,
          `${kind} *${incidentRef(incident.id)}* ${escapeText(incident.title)} (${severityLabel(incident.severity)}). You own it; its channel is being created and you will be invited.`,
        );
      },
    },
    sev: {
      usage: 'sev <1-4> — change the severity',
      needsIncident: true,
      async run(ctx) {
        const incident = here(ctx);
        const severity = parseSeverity(ctx.args);
        if (incident.severity === severity) {
          await tell(ctx, `${incidentRef(incident.id)} is already ${severityLabel(severity)}.`);
          return;
        }
        await incidents.setSeverity(incident.id, severity, ctx.actor);
      },
    },
    owner: {
      usage: 'owner @user — hand the incident over (`me` to take command)',
      needsIncident: true,
      async run(ctx) {
        const incident = here(ctx);
        const ownerId = parseUser(ctx.args.split(/\s+/)[0] ?? '', ctx.actor.id);
        if (incident.ownerId === ownerId) {
          await tell(ctx, `<@${ownerId}> already owns ${incidentRef(incident.id)}.`);
          return;
        }
        await incidents.setOwner(incident.id, ownerId, ctx.actor);
      },
    },
    state: {
      usage: 'state <investigating|identified|monitoring> — where the response stands',
      needsIncident: true,
      async run(ctx) {
        const incident = here(ctx);
        const state = parseState(ctx.args);
        if (incident.state === state) {
          await tell(ctx, `${incidentRef(incident.id)} is already ${stateLabel(state)}.`);
          return;
        }
        await incidents.setState(incident.id, state, ctx.actor);
      },
    },
    status: {
      usage:
        'status <update> — post a status update here and in the announce channel (no text: a form)',
      needsIncident: true,
      async run(ctx) {
        const incident = here(ctx);
        const text = unescapeSlack(ctx.args);
        if (!text) {
          await ctx.client.views.open({
            trigger_id: ctx.command.trigger_id,
            view: statusUpdateModal(incident),
          });
          return;
        }
        await incidents.statusUpdate(incident.id, text, ctx.actor);
      },
    },
    note: {
      usage: 'note <text> — add a note to the timeline',
      needsIncident: true,
      async run(ctx) {
        await incidents.note(here(ctx).id, unescapeSlack(ctx.args), ctx.actor);
      },
    },
    resolve: {
      usage: 'resolve [summary] — resolve the incident (no summary: a form)',
      needsIncident: true,
      async run(ctx) {
        const incident = here(ctx);
        if (incident.state === 'resolved') {
          await tell(ctx, `${incidentRef(incident.id)} is already resolved.`);
          return;
        }
        const summary = unescapeSlack(ctx.args);
        if (summary) {
          await incidents.resolve(incident.id, summary, ctx.actor);
          return;
        }
        await incidents.assertMayResolve(incident.id, ctx.actor);
        await ctx.client.views.open({
          trigger_id: ctx.command.trigger_id,
          view: resolveModal(incident),
        });
      },
    },
    reopen: {
      usage: 'reopen <reason> — reopen a resolved incident',
      needsIncident: true,
      async run(ctx) {
        await incidents.reopen(here(ctx).id, unescapeSlack(ctx.args), ctx.actor);
      },
    },
    list: {
      usage: 'list — the open incidents and their channels',
      async run(ctx) {
        await ctx.respond({
          response_type: 'ephemeral',
          ...incidentList(
            await visibility.visibleTo(ctx.actor.id, await store.read((tx) => openIncidents(tx))),
          ),
        });
      },
    },
    help: {
      usage: 'help — this list',
      // The router answers `help` itself, from this table.
      async run() {},
    },
  };
}
