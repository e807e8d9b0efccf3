// Signed requests to a running Bolt HTTPReceiver (POST {base}/slack/events), as Slack sends them
// (slack-platform.md §1.5), plus payload builders shaped like test/fixtures/slack/requests.
// No vitest imports: demo scripts use this too.
import { createHmac, randomBytes } from 'node:crypto';

/** Ids that line up with the Slack emulator's defaults (test/emulators/slack.ts). */
export const SLACK_TEST_IDS = {
  teamId: 'T0TEAM0001',
  teamDomain: 'firebreak-emulated',
  appId: 'A0APP00001',
  botUserId: 'U0BOT00001',
  botId: 'B0BOT00001',
  userId: 'U0USER0001',
  userName: 'alice',
  channelId: 'C0CHANNEL1',
  channelName: 'general',
} as const;

/**
 * Default response_url: a closed local port, so a test that forgets to point it at the emulator
 * fails fast instead of reaching hooks.slack.com.
 */
export const UNSET_RESPONSE_URL = 'http://127.0.0.1:9/response_url/unset';

export interface SlackSignatureHeaders {
  'x-slack-request-timestamp': string;
  'x-slack-signature': string;
}

/** v0 scheme: hex(HMAC-SHA256(secret, `v0:${ts}:${body}`)), over the exact body string sent. */
export function signSlackRequest(
  secret: string,
  body: string,
  ts: number = Math.floor(Date.now() / 1000),
): SlackSignatureHeaders {
  const digest = createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex');
  return { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${digest}` };
}

export interface SlackHttpResponse {
  status: number;
  headers: Headers;
  /** The raw response text. */
  body: string;
  json<T = unknown>(): T;
}

export interface SendOptions {
  /** Request timestamp in Unix seconds; defaults to now. Older than 5 min is rejected by Bolt. */
  timestamp?: number;
  headers?: Record<string, string>;
}

const eventsUrl = (base: string) =>
  base.endsWith('/slack/events') ? base : `${base.replace(/\/$/, '')}/slack/events`;

async function post(
  base: string,
  secret: string,
  body: string,
  contentType: string,
  options: SendOptions = {},
): Promise<SlackHttpResponse> {
  const response = await fetch(eventsUrl(base), {
    method: 'POST',
    body,
    headers: {
      // Bolt compares the form content-type exactly: "…; charset=utf-8" is a 400.
      'content-type': contentType,
      ...signSlackRequest(secret, body, options.timestamp),
      ...options.headers,
    },
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text,
    json: <T>() => JSON.parse(text) as T,
  };
}

const FORM = 'application/x-www-form-urlencoded';

/** Interactive payloads travel as one form field, `payload=<url-encoded JSON>`. */
const interactiveBody = (payload: object) =>
  `payload=${encodeURIComponent(JSON.stringify(payload))}`;

export function sendSlashCommand(
  base: string,
  secret: string,
  fields: Record<string, string>,
  options?: SendOptions,
): Promise<SlackHttpResponse> {
  return post(base, secret, new URLSearchParams(fields).toString(), FORM, options);
}

export function sendBlockAction(
  base: string,
  secret: string,
  payload: object,
  options?: SendOptions,
): Promise<SlackHttpResponse> {
  return post(base, secret, interactiveBody(payload), FORM, options);
}

export function sendViewSubmission(
  base: string,
  secret: string,
  payload: object,
  options?: SendOptions,
): Promise<SlackHttpResponse> {
  return post(base, secret, interactiveBody(payload), FORM, options);
}

/** Global (`shortcut`) and message (`message_action`) shortcuts. */
export function sendShortcut(
  base: string,
  secret: string,
  payload: object,
  options?: SendOptions,
): Promise<SlackHttpResponse> {
  return post(base, secret, interactiveBody(payload), FORM, options);
}

/** Events API deliveries are JSON. Pass e.g. `{ 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' }`. */
export function sendEvent(
  base: string,
  secret: string,
  envelope: object,
  headers: Record<string, string> = {},
  options: Omit<SendOptions, 'headers'> = {},
): Promise<SlackHttpResponse> {
  return post(base, secret, JSON.stringify(envelope), 'application/json', { ...options, headers });
}

// ── payload builders ────────────────────────────────────────────────────────────────────────────

const randomTriggerId = () =>
  `${Math.floor(Math.random() * 1e12)}.${Math.floor(Math.random() * 1e9)}.${randomBytes(16).toString('hex')}`;

const actionTs = () => (Date.now() / 1000).toFixed(6);

export type UserRef = string | { id: string; name?: string };
export type ChannelRef = string | { id: string; name?: string };

function userJson(ref: UserRef | undefined, teamId: string) {
  const user = typeof ref === 'string' ? { id: ref } : (ref ?? { id: SLACK_TEST_IDS.userId });
  const name = user.name ?? (user.id === SLACK_TEST_IDS.userId ? SLACK_TEST_IDS.userName : user.id);
  return { id: user.id, username: name, name, team_id: teamId };
}

function channelJson(ref: ChannelRef | undefined) {
  const channel = typeof ref === 'string' ? { id: ref } : (ref ?? { id: SLACK_TEST_IDS.channelId });
  return { id: channel.id, name: channel.name ?? SLACK_TEST_IDS.channelName };
}

const team = (teamId: string) => ({ id: teamId, domain: SLACK_TEST_IDS.teamDomain });

export interface SlashCommandFields extends Record<string, string> {
  token: string;
  team_id: string;
  team_domain: string;
  channel_id: string;
  channel_name: string;
  user_id: string;
  user_name: string;
  command: string;
  text: string;
  api_app_id: string;
  is_enterprise_install: string;
  response_url: string;
  trigger_id: string;
}

export function slashCommandFields(
  overrides: Partial<SlashCommandFields> = {},
): SlashCommandFields {
  return {
    token: 'verification-token',
    team_id: SLACK_TEST_IDS.teamId,
    team_domain: SLACK_TEST_IDS.teamDomain,
    channel_id: SLACK_TEST_IDS.channelId,
    channel_name: SLACK_TEST_IDS.channelName,
    user_id: SLACK_TEST_IDS.userId,
    user_name: SLACK_TEST_IDS.userName,
    command: '/incident',
    text: '',
    api_app_id: SLACK_TEST_IDS.appId,
    is_enterprise_install: 'false',
    response_url: UNSET_RESPONSE_URL,
    trigger_id: randomTriggerId(),
    ...overrides,
  };
}

export interface ActionInput {
  action_id: string;
  block_id?: string;
  /** Buttons carry `value`; selects carry `selected_option`. */
  value?: string;
  selected_option?: { value: string; text?: string };
  type?: string;
  text?: string;
}

function actionJson(action: ActionInput) {
  const type = action.type ?? (action.selected_option ? 'static_select' : 'button');
  const plain = (text: string) => ({ type: 'plain_text', text, emoji: true });
  return {
    action_id: action.action_id,
    block_id: action.block_id ?? 'actions',
    type,
    action_ts: actionTs(),
    ...(type === 'button' ? { text: plain(action.text ?? action.action_id) } : {}),
    ...(action.value === undefined ? {} : { value: action.value }),
    ...(action.selected_option === undefined
      ? {}
      : {
          selected_option: {
            text: plain(action.selected_option.text ?? action.selected_option.value),
            value: action.selected_option.value,
          },
        }),
  };
}

export interface BlockActionInput {
  user?: UserRef;
  channel?: ChannelRef;
  /** ts of the message that holds the clicked element. */
  message_ts?: string;
  actions?: ActionInput[];
  trigger_id?: string;
  response_url?: string;
  container?: Record<string, unknown>;
  message?: Record<string, unknown>;
  /** For an action inside a modal or the Home tab: the view; channel, message and response_url are then left out. */
  view?: Record<string, unknown>;
  state?: { values: Record<string, Record<string, unknown>> };
  team_id?: string;
}

/** A `block_actions` payload, shaped like fixtures/slack/requests/interactive/block_actions.*.json. */
export function blockActionPayload(input: BlockActionInput = {}): Record<string, unknown> {
  const teamId = input.team_id ?? SLACK_TEST_IDS.teamId;
  const channel = channelJson(input.channel);
  const messageTs = input.message_ts ?? '1763800000.000100';
  const common = {
    type: 'block_actions',
    user: userJson(input.user, teamId),
    api_app_id: SLACK_TEST_IDS.appId,
    token: 'verification-token',
    trigger_id: input.trigger_id ?? randomTriggerId(),
    team: team(teamId),
    enterprise: null,
    is_enterprise_install: false,
    state: input.state ?? { values: {} },
    actions: (input.actions ?? [{ action_id: 'button', value: 'clicked' }]).map(actionJson),
  };
  if (input.view !== undefined) {
    const viewId = typeof input.view.id === 'string' ? input.view.id : 'V000000001';
    return {
      ...common,
      container: input.container ?? { type: 'view', view_id: viewId },
      view: { id: viewId, team_id: teamId, ...input.view },
    };
  }
  return {
    ...common,
    container: input.container ?? {
      type: 'message',
      message_ts: messageTs,
      channel_id: channel.id,
      is_ephemeral: false,
    },
    channel,
    message: input.message ?? {
      type: 'message',
      user: SLACK_TEST_IDS.botUserId,
      bot_id: SLACK_TEST_IDS.botId,
      app_id: SLACK_TEST_IDS.appId,
      ts: messageTs,
      text: '',
      blocks: [],
      team: teamId,
    },
    response_url: input.response_url ?? UNSET_RESPONSE_URL,
  };
}

export type StateValue = Record<string, unknown> & { type: string };

export interface ViewSubmissionInput {
  callback_id: string;
  private_metadata?: string;
  /** view.state.values; a bare string is shorthand for a plain_text_input value. */
  values?: Record<string, Record<string, string | StateValue>>;
  user?: UserRef;
  view_id?: string;
  hash?: string;
  trigger_id?: string;
  title?: string;
  blocks?: unknown[];
  team_id?: string;
  /** Set when the modal has `response_url_enabled` inputs. */
  response_urls?: unknown[];
}

/** A `view_submission` payload, shaped like fixtures/slack/requests/interactive/view_submission.*.json. */
export function viewSubmissionPayload(input: ViewSubmissionInput): Record<string, unknown> {
  const teamId = input.team_id ?? SLACK_TEST_IDS.teamId;
  const values = Object.fromEntries(
    Object.entries(input.values ?? {}).map(([blockId, actions]) => [
      blockId,
      Object.fromEntries(
        Object.entries(actions).map(([actionId, value]) => [
          actionId,
          typeof value === 'string' ? { type: 'plain_text_input', value } : value,
        ]),
      ),
    ]),
  );
  const viewId = input.view_id ?? 'V000000001';
  const plain = (text: string) => ({ type: 'plain_text', text, emoji: true });
  return {
    type: 'view_submission',
    team: team(teamId),
    user: userJson(input.user, teamId),
    api_app_id: SLACK_TEST_IDS.appId,
    token: 'verification-token',
    trigger_id: input.trigger_id ?? randomTriggerId(),
    enterprise: null,
    is_enterprise_install: false,
    view: {
      id: viewId,
      team_id: teamId,
      type: 'modal',
      title: plain(input.title ?? 'Firebreak'),
      close: plain('Cancel'),
      submit: plain('Submit'),
      blocks: input.blocks ?? [],
      private_metadata: input.private_metadata ?? '',
      callback_id: input.callback_id,
      state: { values },
      hash: input.hash ?? '1763800000.0a1b2c3d',
      clear_on_close: false,
      notify_on_close: false,
      root_view_id: viewId,
      previous_view_id: null,
      app_id: SLACK_TEST_IDS.appId,
      external_id: '',
      app_installed_team_id: teamId,
      bot_id: SLACK_TEST_IDS.botId,
    },
    response_urls: input.response_urls ?? [],
  };
}

export interface MessageShortcutInput {
  callback_id: string;
  user?: UserRef;
  channel?: ChannelRef;
  message_ts?: string;
  message?: Record<string, unknown>;
  trigger_id?: string;
  response_url?: string;
  team_id?: string;
}

/** A message shortcut (`message_action`) payload. */
export function messageShortcutPayload(input: MessageShortcutInput): Record<string, unknown> {
  const teamId = input.team_id ?? SLACK_TEST_IDS.teamId;
  const messageTs = input.message_ts ?? '1763800000.000100';
  return {
    type: 'message_action',
    token: 'verification-token',
    action_ts: actionTs(),
    team: team(teamId),
    user: userJson(input.user, teamId),
    channel: channelJson(input.channel),
    is_enterprise_install: false,
    enterprise: null,
    callback_id: input.callback_id,
    trigger_id: input.trigger_id ?? randomTriggerId(),
    response_url: input.response_url ?? UNSET_RESPONSE_URL,
    message_ts: messageTs,
    message: input.message ?? {
      type: 'message',
      user: SLACK_TEST_IDS.userId,
      ts: messageTs,
      text: 'the database is on fire',
    },
  };
}

export interface GlobalShortcutInput {
  callback_id: string;
  user?: UserRef;
  trigger_id?: string;
  team_id?: string;
}

/** A global shortcut (`shortcut`) payload. */
export function globalShortcutPayload(input: GlobalShortcutInput): Record<string, unknown> {
  const teamId = input.team_id ?? SLACK_TEST_IDS.teamId;
  return {
    type: 'shortcut',
    token: 'verification-token',
    action_ts: actionTs(),
    team: team(teamId),
    user: userJson(input.user, teamId),
    is_enterprise_install: false,
    enterprise: null,
    callback_id: input.callback_id,
    trigger_id: input.trigger_id ?? randomTriggerId(),
  };
}

export interface EnvelopeOptions {
  event_id?: string;
  team_id?: string;
  event_time?: number;
  api_app_id?: string;
}

/** An Events API `event_callback` envelope around `event`. */
export function eventEnvelope(
  event: Record<string, unknown>,
  options: EnvelopeOptions = {},
): Record<string, unknown> {
  const teamId = options.team_id ?? SLACK_TEST_IDS.teamId;
  return {
    token: 'verification-token',
    team_id: teamId,
    api_app_id: options.api_app_id ?? SLACK_TEST_IDS.appId,
    event,
    type: 'event_callback',
    event_id: options.event_id ?? `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: options.event_time ?? Math.floor(Date.now() / 1000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: teamId,
        user_id: SLACK_TEST_IDS.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
  };
}
