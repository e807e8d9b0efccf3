// People using firebreak from Slack, as signed requests to the real Bolt receiver of a running
// test app. Handlers ack first and work after, so callers wait for effects with `eventually`.
import { findIncident } from '../../src/store/incidents.js';
import { list } from '../../src/timeline/timeline.js';
import { eventually, SIGNING_SECRET, type TestApp } from './app.js';
import {
  blockActionPayload,
  messageShortcutPayload,
  type SendOptions,
  type SlackHttpResponse,
  sendBlockAction,
  sendShortcut,
  sendSlashCommand,
  sendViewSubmission,
  slashCommandFields,
  viewSubmissionPayload,
} from './slack-requests.js';

export const ALICE = 'U0ALICE001';
export const BOB = 'U0BOB00001';
export const CAROL = 'U0CAROL001';
export const GENERAL = 'C0GENERAL1';

export interface Sent {
  status: number;
  response: SlackHttpResponse;
  /** Everything posted to this request's response_url so far. */
  replies(): { text?: string; replace_original?: boolean; response_type?: string }[];
  /** Waits for the n-th reply (1-based) and returns its text. */
  reply(n?: number): Promise<string>;
}

export function slackDriver(bot: TestApp) {
  const { slack } = bot;
  let seq = 0;
  for (const [id, name] of [
    [ALICE, 'alice'],
    [BOB, 'bob'],
    [CAROL, 'carol'],
  ] as const)
    slack.addUser({ id, name });
  if (!slack.channel(GENERAL))
    slack.addChannel({ id: GENERAL, name: 'general', members: [slack.botUserId] });

  function sent(response: SlackHttpResponse, responseId: string): Sent {
    const replies = () => slack.responsesTo(responseId) as ReturnType<Sent['replies']>;
    return {
      status: response.status,
      response,
      replies,
      reply: (n = 1) => eventually(() => replies()[n - 1]?.text ?? false),
    };
  }

  return {
    /** `/incident <text>` typed by `user` in `channel`. */
    async command(
      text: string,
      {
        user = ALICE,
        channel = GENERAL,
        options,
      }: { user?: string; channel?: string; options?: SendOptions } = {},
    ): Promise<Sent> {
      const id = `cmd-${++seq}`;
      const response = await sendSlashCommand(
        bot.base,
        SIGNING_SECRET,
        slashCommandFields({
          text,
          user_id: user,
          channel_id: channel,
          response_url: slack.responseUrl(id),
          trigger_id: slack.triggerId(),
        }),
        options,
      );
      return sent(response, id);
    },

    /** A click on a button (or a select choice when `selected` is given) in a message of `channel`. */
    async click(
      actionId: string,
      value: string,
      {
        user = ALICE,
        channel = GENERAL,
        selected = false,
      }: { user?: string; channel?: string; selected?: boolean } = {},
    ): Promise<Sent> {
      const id = `act-${++seq}`;
      const response = await sendBlockAction(
        bot.base,
        SIGNING_SECRET,
        blockActionPayload({
          user,
          channel,
          actions: [
            selected
              ? { action_id: actionId, selected_option: { value } }
              : { action_id: actionId, value },
          ],
          trigger_id: slack.triggerId(),
          response_url: slack.responseUrl(id),
        }),
      );
      return sent(response, id);
    },

    /** Submits a modal; `values` are plain text inputs unless given as state values. */
    async submit(
      callbackId: string,
      values: Record<string, string | Record<string, unknown>>,
      { user = ALICE, metadata = {} }: { user?: string; metadata?: object } = {},
    ): Promise<SlackHttpResponse> {
      return sendViewSubmission(
        bot.base,
        SIGNING_SECRET,
        viewSubmissionPayload({
          callback_id: callbackId,
          user,
          private_metadata: JSON.stringify(metadata),
          values: Object.fromEntries(
            Object.entries(values).map(([field, value]) => [
              field,
              { [field]: typeof value === 'string' ? value : { type: 'static_select', ...value } },
            ]),
          ) as Parameters<typeof viewSubmissionPayload>[0]['values'],
        }),
      );
    },

    async messageShortcut(
      callbackId: string,
      message: { ts: string; text: string; user: string },
      { user = ALICE, channel = GENERAL }: { user?: string; channel?: string } = {},
    ): Promise<SlackHttpResponse> {
      return sendShortcut(
        bot.base,
        SIGNING_SECRET,
        messageShortcutPayload({
          callback_id: callbackId,
          user,
          channel,
          message_ts: message.ts,
          message: { type: 'message', ...message },
          trigger_id: slack.triggerId(),
          response_url: slack.responseUrl(`sc-${++seq}`),
        }),
      );
    },

    /** The newest modal opened with views.open. */
    lastModal: () =>
      slack.views.at(-1)?.view as
        | { callback_id?: string; private_metadata?: string; blocks: unknown[] }
        | undefined,

    /** Waits until the incident has a channel with its card (after the inbox and the outbox ran). */
    async channelOf(incidentId: number): Promise<string> {
      await bot.settle(10_000);
      return eventually(
        async () =>
          (await bot.app.store.read((tx) => findIncident(tx, incidentId)))?.channelId ?? false,
      );
    },

    /** Waits for a timeline entry of `kind` beyond the first `after` ones. */
    timelineEntry: (incidentId: number, kind: string, after = 0) =>
      eventually(
        async () =>
          (await bot.app.store.read((tx) => list(tx, incidentId))).filter((e) => e.kind === kind)[
            after
          ],
      ),
  };
}

export type SlackDriver = ReturnType<typeof slackDriver>;

/** The fields of the pinned incident card, as people see them. */
export function cardFields(bot: TestApp, channelId: string) {
  const pinned = bot.slack.pinnedMessages(channelId);
  if (pinned.length !== 1) throw new Error(`expected one pinned card, found ${pinned.length}`);
  const blocks = (pinned[0]?.blocks ?? []) as {
    block_id?: string;
    fields?: { text: string }[];
    elements?: { action_id?: string; text?: string | { text: string } }[];
  }[];
  const fields = blocks.find((b) => b.block_id === 'card_fields')?.fields ?? [];
  const field = (name: string) =>
    fields.find((f) => f.text.startsWith(`*${name}*`))?.text.split('\n')[1] ?? null;
  const buttons = (blocks.find((b) => b.block_id === 'card_actions')?.elements ?? []).map(
    (e) => e.action_id,
  );
  const milestones = JSON.stringify(blocks.find((b) => b.block_id === 'card_milestones'));
  return {
    ts: pinned[0]?.ts,
    severity: field('Severity'),
    state: field('State'),
    owner: field('Owner'),
    buttons,
    milestones,
  };
}
