import type { App, BlockButtonAction, ViewSubmitAction } from '@slack/bolt';
import {
  freezeClicked,
  freezeSubmitted,
  liftFreezeClicked,
  markMitigatedClicked,
  notRelatedClicked,
  rollbackClicked,
} from './actions/deploy.js';
import { deploySubcommands } from './commands/deploy.js';
import { routeSubcommands } from './commands/router.js';
import type { DeploySlackServices } from './deploy-services.js';
import { actions, commands, views } from './ids.js';

/** `/deploy`, the card's deploy buttons, the freeze modal, and the buttons in deploy messages. */
export function registerDeployListeners(app: App, s: DeploySlackServices): void {
  app.command(
    commands.deploy,
    routeSubcommands({ db: s.db, table: deploySubcommands(s), actorOf: s.actorOf }),
  );
  app.action<BlockButtonAction>(actions.rollback, rollbackClicked(s));
  app.action<BlockButtonAction>(actions.notRelated, notRelatedClicked(s));
  app.action<BlockButtonAction>(actions.freeze, freezeClicked(s));
  app.action<BlockButtonAction>(actions.liftFreeze, liftFreezeClicked(s));
  app.action<BlockButtonAction>(actions.markMitigated, markMitigatedClicked(s));
  app.view<ViewSubmitAction>(views.freeze, freezeSubmitted(s));
}
