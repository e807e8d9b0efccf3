import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import { isAppError } from '../errors.js';

/**
 * The one place Slack-side errors are translated: an AppError becomes an ephemeral reply to
 * the person who acted; anything else goes on to app.error() (logged).
 */
export const replyWithAppErrors: Middleware<AnyMiddlewareArgs> = async (args) => {
  try {
    await args.next();
  } catch (error) {
    if (!isAppError(error)) throw error;
    const respond = 'respond' in args ? args.respond : undefined;
    if (typeof respond === 'function') {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: `⚠️ ${error.message}`,
      });
      return;
    }
    args.logger.warn(`not shown to the user (no response_url): ${error.message}`);
  }
};
