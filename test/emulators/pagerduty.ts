/**
 * Stateful PagerDuty emulator (REST API v2, Events API v2, v3 webhooks) over
 * real HTTP on 127.0.0.1. Free of vitest so scripts can run it with tsx.
 *
 *   const emu = await startPagerDutyEmulator();
 *   process.env.PAGERDUTY_API_URL = emu.url;
 *   process.env.PAGERDUTY_EVENTS_URL = emu.url;
 */
export type { PagerDutyEmulator } from './pagerduty/server.js';
export {
  DEFAULT_PAGERDUTY_TOKEN,
  DEFAULT_WEBHOOK_SECRET,
  startPagerDutyEmulator,
} from './pagerduty/server.js';
export type { PagerDutySeed } from './pagerduty/state.js';
export { PAGERDUTY_DEFAULT_SEED } from './pagerduty/state.js';
export type * from './pagerduty/types.js';
export type {
  BuildWebhookOptions,
  DeliverWebhookOptions,
  DeliverWebhookResult,
  WebhookIncidentSource,
  WebhookServiceSource,
} from './pagerduty/webhooks.js';
export {
  buildWebhookEvent,
  deliverWebhook,
  signWebhook,
  webhookEventId,
} from './pagerduty/webhooks.js';
