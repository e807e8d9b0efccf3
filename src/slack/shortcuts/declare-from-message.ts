import type { MessageShortcut, Middleware, SlackShortcutMiddlewareArgs } from '@slack/bolt';
import type { Catalog } from '../../catalog.js';
import { TITLE_MAX } from '../../incidents/service.js';
import { declareModal, QUOTED_TEXT_MAX } from '../blocks/modals.js';
import { truncate } from '../blocks/text.js';
import { unescapeSlack } from '../commands/args.js';

/** Slack's permalink shape, built from the payload so opening the form waits on nothing. */
const permalink = (domain: string | undefined, channelId: string, ts: string) =>
  domain ? `https://${domain}.slack.com/archives/${channelId}/p${ts.replace('.', '')}` : null;

/**
 * "Declare incident" on any message: the declare form, prefilled from the message, which
 * becomes the description and the first timeline entry (with its original time).
 */
export const declareFromMessage =
  ({ catalog }: { catalog: Catalog }): Middleware<SlackShortcutMiddlewareArgs<MessageShortcut>> =>
  async ({ ack, shortcut, client }) => {
    await ack();
    const text = unescapeSlack(shortcut.message.text ?? '').trim();
    const firstLine = text.split('\n')[0]?.trim() ?? '';
    await client.views.open({
      trigger_id: shortcut.trigger_id,
      view: declareModal({
        services: catalog.names(),
        title: truncate(firstLine, TITLE_MAX, '…'),
        description: text,
        metadata: {
          fromMessage: {
            channelId: shortcut.channel.id,
            ts: shortcut.message_ts,
            userId: shortcut.message.user ?? null,
            text: truncate(text, QUOTED_TEXT_MAX),
            permalink: permalink(shortcut.team?.domain, shortcut.channel.id, shortcut.message_ts),
          },
        },
      }),
    });
  };
