// Bolt, built when Slack first needs it rather than at start-up: importing it is about a third
// of the start-up time (bench/speed.ts), and a restarted bot should accept alerts before that.
// Only src/app.ts loads this file, with a dynamic import.
import {
  App,
  type Authorize,
  HTTPModuleFunctions,
  HTTPReceiver,
  type ReceiverProcessEventErrorHandlerArgs,
} from '@slack/bolt';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { boltLogger } from '../log.js';

/**
 * The Bolt app: over HTTP (its receiver's listener is mounted on our server at /slack/events)
 * or, with an app token, over Socket Mode.
 */
export function createBolt(config: Config, authorize: Authorize<boolean>, log: Logger) {
  const socketMode = Boolean(config.slack.appToken);
  const receiver = socketMode
    ? undefined
    : new HTTPReceiver({
        signingSecret: config.slack.signingSecret ?? '',
        endpoints: '/slack/events',
        logger: boltLogger(log),
        processEventErrorHandler: answerMalformedWith400,
      });
  const bolt = new App({
    authorize,
    logger: boltLogger(log),
    // Listeners call Slack while someone waits (views.open has 3 s): retry briefly, not for
    // half an hour (WebClient's default). Socket Mode's apps.connections.open uses it too.
    clientOptions: {
      slackApiUrl: config.slack.apiUrl,
      retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 1000 },
    },
    ...(receiver ? { receiver } : { socketMode: true, appToken: config.slack.appToken }),
  });
  bolt.error(async (error) => {
    log.error({ err: error }, 'slack listener failed');
  });
  return { bolt, receiver, socketMode };
}

/**
 * HTTPReceiver's last resort when processing a request threw before anything answered it.
 * Bolt reads payload fields without checking their shape, so a signed but malformed payload
 * makes Bolt's own code throw a TypeError: that is a bad request (400), not our failure.
 * Everything else keeps Bolt's default (401 for authorization, 500 and a log line otherwise).
 */
export const answerMalformedWith400 = async (
  args: ReceiverProcessEventErrorHandlerArgs,
): Promise<boolean> => {
  const { error, response, logger } = args;
  const frame = (error as Error)?.stack?.split('\n')[1] ?? '';
  if (error instanceof TypeError && frame.includes('@slack/bolt')) {
    logger.warn(`malformed Slack payload: ${error.message}`);
    if (!response.headersSent) {
      response.writeHead(400);
      response.end();
    }
    return true;
  }
  return HTTPModuleFunctions.defaultProcessEventErrorHandler(args);
};

export type SlackApp = ReturnType<typeof createBolt>;
