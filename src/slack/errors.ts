import type { AckFn, AnyMiddlewareArgs, Middleware, ViewResponseAction } from '@slack/bolt';
import { type AppError, isAppError } from '../errors.js';
import { escapeText } from './blocks/text.js';

/**
 * The one place Slack-side errors are translated: an AppError becomes an ephemeral reply to
 * the person who acted; anything else goes on to app.error() (logged). The core writes its
 * messages for every edge (API, CLI, Slack) and they can quote outside text (a backend's error,
 * a deploy's version), so they are escaped here, keeping only the mentions the core put in.
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
        text: `⚠️ ${slackErrorText(error)}`,
      });
      return;
    }
    args.logger.warn(`not shown to the user (no response_url): ${error.message}`);
  }
};

/** The message escaped, with the mentions the core meant (and only those) working again. */
export function slackErrorText(error: AppError): string {
  let text = escapeText(error.message);
  for (const id of new Set(error.mentions))
    text = text.replaceAll(escapeText(`<@${id}>`), `<@${id}>`);
  return text;
}

/**
 * A modal submission is answered in the HTTP response itself, so a refusal belongs in the form,
 * next to `field`, rather than in a reply nobody sees. The work is a SQLite unit of work, well
 * inside Slack's 3 s; anything but an AppError is still acked (Slack would show a timeout)
 * and then goes on to app.error().
 */
export async function commitOrShowErrors<T>(
  ack: AckFn<ViewResponseAction>,
  field: string,
  work: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    const message = isAppError(error) ? error.message : 'Something went wrong; try again.';
    await ack({ response_action: 'errors', errors: { [field]: message } });
    if (!isAppError(error)) throw error;
    return undefined;
  }
}
