import type { App, BlockButtonAction, ViewSubmitAction } from '@slack/bolt';
import {
  cancelAutoRollbackClicked,
  freezeClicked,
  freezeSubmitted,
  liftFreezeClicked,
  markMitigatedClicked,
  notRelatedClicked,
  rollbackClicked,
} from './actions/deploy.js';
import type { DeploySlackServices } from './deploy-services.js';
import { actions, views } from './ids.js';

/**
 * The card's deploy buttons, the freeze modal, and the buttons in deploy messages. (`/deploy`'s
 * subcommands join the shared command table in listeners.ts, next to `stats`.)
 */
export function registerDeployListeners(app: App, s: DeploySlackServices): void {
  app.action<BlockButtonAction>(actions.rollback, rollbackClicked(s));
  app.action<BlockButtonAction>(actions.notRelated, notRelatedClicked(s));
  app.action<BlockButtonAction>(actions.freeze, freezeClicked(s));
  app.action<BlockButtonAction>(actions.liftFreeze, liftFreezeClicked(s));
  app.action<BlockButtonAction>(actions.markMitigated, markMitigatedClicked(s));
  app.action<BlockButtonAction>(actions.cancelAutoRollback, cancelAutoRollbackClicked(s));
  app.view<ViewSubmitAction>(views.freeze, freezeSubmitted(s));
}
