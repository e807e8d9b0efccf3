import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
} from '@slack/bolt';
import { AppError } from '../../errors.js';
import type { FollowupExport } from '../../incidents/followup-export.js';
import type { FollowupState, Followups } from '../../incidents/followups.js';
import { followupList, followupMessage } from '../blocks/followups.js';
import { actions } from '../ids.js';
import type { SubcommandTable } from './types.js';

const STATE_WORDS: Record<string, FollowupState> = {
  done: 'done',
  wontdo: 'wont_do',
  "won't-do": 'wont_do',
  'wont-do': 'wont_do',
  "won'tdo": 'wont_do',
  reopen: 'open',
  open: 'open',
};

/** A trailing `<@U123>` or `<@U123|name>` (the manifest escapes mentions) names the owner. */
export function parseFollowup(args: string): { text: string; ownerId: string | null } {
  const match = /\s*<@([UW][A-Z0-9]+)(?:\|[^>]*)?>\s*$/.exec(args);
  if (!match) return { text: args.trim(), ownerId: null };
  return { text: args.slice(0, match.index).trim(), ownerId: match[1] ?? null };
}

export const followupSubcommands = ({ followups }: { followups: Followups }): SubcommandTable => ({
  followup: {
    usage:
      'followup <text> [@owner] — add a follow-up; `followup` lists them; `followup done|wontdo|reopen <id>`',
    needsIncident: true,
    async run({ args, actor, incident, respond }) {
      if (!incident) return;
      const change = /^(\S+)\s+#?(\d+)$/.exec(args);
      const state = change ? STATE_WORDS[change[1]?.toLowerCase() ?? ''] : undefined;
      if (change && state) {
        const updated = await followups.setState(Number(change[2]), state, actor, incident.id);
        await respond({ response_type: 'in_channel', ...followupMessage(updated, actor.id) });
        return;
      }
      if (args === '' || args.toLowerCase() === 'list') {
        await respond({
          response_type: 'ephemeral',
          text: followupList(incident.id, await followups.listFor(incident.id)),
        });
        return;
      }
      const { text, ownerId } = parseFollowup(args);
      const added = await followups.add(incident.id, { text, ownerId }, actor);
      await respond({ response_type: 'in_channel', ...followupMessage(added) });
    },
  },
});

const BUTTON_STATE: Record<string, FollowupState> = {
  [actions.followupDone]: 'done',
  [actions.followupWontDo]: 'wont_do',
  [actions.followupReopen]: 'open',
};

/** Done / Won't do / Reopen on a follow-up message. */
export const followupButton =
  ({ followups }: { followups: Followups }) =>
  async ({
    ack,
    action,
    body,
    respond,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs) => {
    await ack();
    const state = BUTTON_STATE[action.action_id];
    const id = Number(action.value);
    if (!state || !Number.isInteger(id))
      throw new AppError('invalid', 'That button is out of date.');
    const updated = await followups.setState(id, state, { id: body.user.id, source: 'slack' });
    await respond({ replace_original: true, ...followupMessage(updated, body.user.id) });
  };

/** Retry on a "the tracker refused the issue" message: queue the export again. */
export const followupExportRetryButton =
  ({ followupExport }: { followupExport?: FollowupExport }) =>
  async ({
    ack,
    action,
    body,
    respond,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs) => {
    await ack();
    const id = Number(action.value);
    if (!followupExport || !Number.isInteger(id))
      throw new AppError('invalid', 'That button is out of date.');
    const row = await followupExport.retry(id, { id: body.user.id, source: 'slack' });
    await respond({ replace_original: true, ...followupMessage(row, undefined) });
  };
