import type {
  App,
  BlockAction,
  ButtonAction,
  CheckboxesAction,
  MessageShortcut,
} from '@slack/bolt';
import type { Catalog } from '../catalog.js';
import type { Archiving } from '../incidents/archive.js';
import type { TimelineCapture } from '../incidents/capture.js';
import type { Checklist } from '../incidents/checklist.js';
import type { FollowupExport } from '../incidents/followup-export.js';
import type { Followups } from '../incidents/followups.js';
import type { Reminders } from '../incidents/reminders.js';
import type { Incidents } from '../incidents/service.js';
import type { Visibility } from '../incidents/visibility.js';
import type { Paging } from '../paging/service.js';
import type { Causes } from '../postmortem/cause.js';
import type { NamesOf } from '../postmortem/draft.js';
import { MAX_RUNBOOKS } from '../read-model/incident-view.js';
import { claimDelivery } from '../store/deliveries.js';
import type { Store } from '../store/unit-of-work.js';
import { archiveClicked } from './actions/archive.js';
import { causeAnswer } from './actions/cause.js';
import { checklistClicked } from './actions/checklist.js';
import {
  acknowledgeClicked,
  resolveClicked,
  severityChosen,
  takeCommandClicked,
} from './actions/incident-card.js';
import { pageOnCallClicked } from './actions/page.js';
import { postUpdateClicked, snoozeClicked } from './actions/reminders.js';
import type { ActorOf } from './actors.js';
import { deploySubcommands } from './commands/deploy.js';
import {
  followupButton,
  followupExportRetryButton,
  followupSubcommands,
} from './commands/followup.js';
import { incidentSubcommands } from './commands/incident.js';
import { pageSubcommand } from './commands/page.js';
import { postmortemSubcommands } from './commands/postmortem.js';
import { routeSubcommands } from './commands/router.js';
import { deployStatsSubcommands, incidentStatsSubcommands } from './commands/stats.js';
import { visibilitySubcommands } from './commands/visibility.js';
import { registerDeployListeners } from './deploy-listeners.js';
import type { DeploySlackServices } from './deploy-services.js';
import { replyWithAppErrors } from './errors.js';
import {
  homeDeclareClicked,
  homeFollowupDoneClicked,
  homeOpened,
  memberJoined,
  memberLeft,
} from './events/home.js';
import {
  addToTimelineShortcut,
  pinOnReaction,
  withdrawOnReactionRemoved,
} from './events/timeline-capture.js';
import type { Home } from './home.js';
import { actions, commands, shortcuts, snoozeActionPattern, views } from './ids.js';
import { declareFromMessage } from './shortcuts/declare-from-message.js';
import { declareSubmitted } from './views/declare.js';
import { resolveSubmitted, statusUpdateSubmitted } from './views/resolve.js';

export interface SlackServices {
  store: Store;
  now: () => Date;
  catalog: Catalog;
  incidents: Incidents;
  reminders: Reminders;
  archiving: Archiving;
  /** A Slack user as an Actor, with the configured user groups they are in (permissions). */
  actorOf: ActorOf;
  paging: Paging;
  capture: TimelineCapture;
  followups: Followups;
  /** Follow-ups as tracker issues: the Retry after a tracker refused one. */
  followupExport?: FollowupExport;
  causes: Causes;
  /** incidents.pinReaction: the reaction that copies a message into the timeline. */
  pinReaction: string;
  /** Display names of Slack users, for the postmortem draft. */
  namesOf: NamesOf;
  /** incidents.defaultEnvironment: where DORA metrics are measured. */
  defaultEnvironment: string;
  deploys?: DeploySlackServices;
  /** The services' checklists on the card (src/modules/escalation.ts). */
  checklist?: Checklist;
  /** Private incidents: who sees them, and making one public. */
  visibility: Visibility;
  /** The App Home. */
  home: Home;
}

/** The routing table: one line per command, action, view and event. */
export function registerListeners(app: App, services: SlackServices): void {
  app.use(replyWithAppErrors);
  app.use(dropRedeliveredEvents(services));

  // Each module contributes its own subcommands; the help text is generated from this table.
  const stats = { ...services, environment: services.defaultEnvironment };
  const { help, ...lifecycle } = incidentSubcommands(services);
  const incidentTable = {
    ...lifecycle,
    page: pageSubcommand(services),
    ...postmortemSubcommands(services),
    ...followupSubcommands(services),
    ...visibilitySubcommands(services),
    ...incidentStatsSubcommands(stats),
    ...(help ? { help } : {}),
  };
  app.command(commands.incident, routeSubcommands({ ...services, table: incidentTable }));
  const { help: deployHelp, ...deployActions } = services.deploys
    ? deploySubcommands(services.deploys)
    : {};
  const deployTable = {
    ...deployActions,
    ...deployStatsSubcommands(stats),
    ...(deployHelp ? { help: deployHelp } : {}),
  };
  app.command(commands.deploy, routeSubcommands({ ...services, table: deployTable }));

  // Runbook buttons open their URL in the browser; Slack still reports the click, acked here.
  for (let n = 0; n < MAX_RUNBOOKS; n++) app.action(actions.runbook(n), async ({ ack }) => ack());
  app.action(actions.acknowledge, acknowledgeClicked(services));
  app.action(actions.takeCommand, takeCommandClicked(services));
  app.action(actions.severity, severityChosen(services));
  app.action(actions.resolve, resolveClicked(services));
  app.action(actions.postUpdate, postUpdateClicked(services));
  app.action(snoozeActionPattern, snoozeClicked(services));
  app.action(actions.archive, archiveClicked(services));
  app.action(actions.pageOnCall, pageOnCallClicked(services));
  app.action<BlockAction<ButtonAction>>(actions.causeDeploy, causeAnswer(services));
  app.action<BlockAction<ButtonAction>>(actions.causeNone, causeAnswer(services));
  app.action<BlockAction<ButtonAction>>(actions.followupDone, followupButton(services));
  app.action<BlockAction<ButtonAction>>(actions.followupWontDo, followupButton(services));
  app.action<BlockAction<ButtonAction>>(actions.followupReopen, followupButton(services));
  const { checklist } = services;
  if (checklist)
    app.action<BlockAction<CheckboxesAction>>(
      actions.checklist,
      checklistClicked({ ...services, checklist }),
    );
  app.action<BlockAction<ButtonAction>>(
    actions.followupExportRetry,
    followupExportRetryButton(services),
  );

  app.action<BlockAction<ButtonAction>>(actions.homeDeclare, homeDeclareClicked(services));
  app.action<BlockAction<ButtonAction>>(
    actions.homeFollowupDone,
    homeFollowupDoneClicked(services),
  );

  app.view(views.declare, declareSubmitted(services));
  app.view(views.resolve, resolveSubmitted(services));
  app.view(views.statusUpdate, statusUpdateSubmitted(services));

  app.shortcut(
    { callback_id: shortcuts.declareFromMessage, type: 'message_action' },
    declareFromMessage(services),
  );
  app.shortcut<MessageShortcut>(
    { callback_id: shortcuts.addToTimeline, type: 'message_action' },
    addToTimelineShortcut(services),
  );

  app.event('reaction_added', pinOnReaction(services));
  app.event('reaction_removed', withdrawOnReactionRemoved(services));
  app.event('app_home_opened', homeOpened(services));
  app.event('member_joined_channel', memberJoined(services));
  app.event('member_left_channel', memberLeft(services));

  if (services.deploys) registerDeployListeners(app, services.deploys);
}

/**
 * Slack retries an event it thinks we missed (X-Slack-Retry-Num) and Bolt does not dedupe:
 * claim the event_id first, so a retry that arrives while the original still runs does nothing.
 */
const dropRedeliveredEvents =
  ({ store, now }: SlackServices): Parameters<App['use']>[0] =>
  async ({ body, next }) => {
    const eventId = (body as { event_id?: unknown }).event_id;
    if (
      typeof eventId === 'string' &&
      !(await store.tx((tx) => claimDelivery(tx, 'slack', eventId, now())))
    )
      return;
    await next();
  };
