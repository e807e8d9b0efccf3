// Helpers for the deploy end-to-end tests: deploy events, card buttons, signed clicks.
import type { TestApp } from './app.js';
import { SIGNING_SECRET } from './app.js';
import {
  blockActionPayload,
  sendBlockAction,
  sendSlashCommand,
  slashCommandFields,
} from './slack-requests.js';

export interface DeployInput {
  id: string;
  service?: string;
  environment?: string;
  status?: 'started' | 'succeeded' | 'failed';
  version: string;
  minutesAgo: number;
  actor?: string;
  sha?: string;
  rollback?: Record<string, string | number>;
}

export async function postDeploy(bot: TestApp, d: DeployInput): Promise<Response> {
  const at = new Date(Date.now() - d.minutesAgo * 60_000).toISOString();
  return bot.post('/webhooks/deploys', {
    id: d.id,
    service: d.service ?? 'checkout',
    environment: d.environment ?? 'production',
    status: d.status ?? 'succeeded',
    version: d.version,
    actor: d.actor ?? 'dana',
    sha: d.sha,
    url: `https://ci.example.com/deploys/${d.id}`,
    startedAt: at,
    finishedAt: d.status === 'started' ? null : at,
    rollback: d.rollback,
  });
}

export interface FoundButton {
  action_id: string;
  value: string;
  block_id: string;
  text: string;
}

/** Every button in a message's blocks, with the block it sits in. */
export function buttons(blocks: unknown): FoundButton[] {
  const found: FoundButton[] = [];
  for (const block of (blocks ?? []) as {
    type: string;
    block_id?: string;
    elements?: unknown[];
  }[]) {
    if (block.type !== 'actions') continue;
    for (const e of (block.elements ?? []) as {
      type: string;
      action_id: string;
      value?: string;
      text?: { text: string };
    }[]) {
      if (e.type === 'button')
        found.push({
          action_id: e.action_id,
          value: e.value ?? '',
          block_id: block.block_id ?? 'actions',
          text: e.text?.text ?? '',
        });
    }
  }
  return found;
}

export async function click(
  bot: TestApp,
  input: {
    user: string;
    channel: string;
    button: FoundButton;
    responseId: string;
    messageTs?: string;
    triggerId?: string;
  },
) {
  return sendBlockAction(
    bot.base,
    SIGNING_SECRET,
    blockActionPayload({
      user: input.user,
      channel: input.channel,
      message_ts: input.messageTs,
      trigger_id: input.triggerId,
      actions: [
        {
          action_id: input.button.action_id,
          block_id: input.button.block_id,
          value: input.button.value,
        },
      ],
      response_url: bot.slack.responseUrl(input.responseId),
    }),
  );
}

export async function deployCommand(
  bot: TestApp,
  input: { user: string; channel: string; text: string; responseId: string },
) {
  return sendSlashCommand(
    bot.base,
    SIGNING_SECRET,
    slashCommandFields({
      command: '/deploy',
      text: input.text,
      user_id: input.user,
      channel_id: input.channel,
      response_url: bot.slack.responseUrl(input.responseId),
    }),
  );
}

/** The text of everything posted to a response_url, joined. */
export function responseText(bot: TestApp, id: string): string {
  return bot.slack
    .responsesTo(id)
    .map((r) => JSON.stringify(r))
    .join('\n');
}
