import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Paging } from '../../paging/service.js';
import { pageOutcomeText } from '../blocks/paging.js';

/** The card's **Page on-call** (and a failed page's **Try paging again**); value = incident id. */
export const pageOnCallClicked =
  ({ paging }: { paging: Paging }) =>
  async ({
    ack,
    action,
    body,
    respond,
  }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const outcome = await paging.page(Number(action.value), null, {
      id: body.user.id,
      source: 'slack',
    });
    const text = pageOutcomeText(outcome);
    if (text) await respond({ response_type: 'ephemeral', replace_original: false, text });
  };
