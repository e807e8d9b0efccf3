import type { webApi } from '@slack/bolt';
import type { RenderedMessage } from './blocks/rendered.js';
import { SlackCallError, type slackChat } from './chat.js';

/**
 * Direct messages from the bot: conversations.open (needs im:write; it returns the same
 * conversation every time, so a retry is harmless) then chat.postMessage into it.
 */
export function slackDirectMessages(options: {
  client: webApi.WebClient;
  call: ReturnType<typeof slackChat>['call'];
}) {
  const { client, call } = options;
  return {
    async send(userId: string, message: RenderedMessage): Promise<{ channel: string; ts: string }> {
      const opened = await call('conversations.open', () =>
        client.conversations.open({ users: userId }),
      );
      const channel = opened.channel?.id;
      if (!channel) throw new SlackCallError('conversations.open returned no channel', {});
      const posted = await call('chat.postMessage', () =>
        client.chat.postMessage({ channel, text: message.text, blocks: message.blocks }),
      );
      if (!posted.ts) throw new SlackCallError('chat.postMessage returned no ts', {});
      return { channel, ts: posted.ts };
    },
  };
}
