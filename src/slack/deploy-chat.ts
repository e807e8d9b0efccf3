import type { webApi } from '@slack/bolt';
import type { DeployChat, DeployNotice } from '../deploy/notices.js';
import { renderNotice } from './blocks/deploy.js';
import { SlackCallError, type slackChat } from './chat.js';

/** The DeployChat port over the same translated, rate-aware Slack calls as the incident chat. */
export function slackDeployChat(options: {
  client: webApi.WebClient;
  call: ReturnType<typeof slackChat>['call'];
  publicUrl: string | null;
}): DeployChat {
  const { client, call } = options;
  return {
    async post(channelId: string, notice: DeployNotice, { threadTs, broadcast }) {
      const { text, blocks } = renderNotice(notice, { publicUrl: options.publicUrl });
      const thread = threadTs ? { thread_ts: threadTs, reply_broadcast: broadcast ?? false } : {};
      const result = await call('chat.postMessage', () =>
        client.chat.postMessage({ channel: channelId, text, blocks, ...thread }),
      );
      if (!result.ts) throw new SlackCallError('chat.postMessage returned no ts', {});
      return { ts: result.ts };
    },
  };
}
