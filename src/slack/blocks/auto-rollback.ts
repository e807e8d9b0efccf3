import type { types } from '@slack/bolt';
import { spoken } from '../../deploy/auto-rollback-decide.js';
import type { DeployNotice } from '../../deploy/notices.js';
import type { AutoRollbackCountdown } from '../../read-model/incident-view.js';
import { actions, blocks as blockIds } from '../ids.js';
import { escapeText, mrkdwn, plain, slackDate, truncate, truncateMarkup } from './text.js';

// deploys.autoRollback's messages: the guard's decision (with its countdown and Cancel when it
// acts) and how a countdown ended. Rendered by renderNotice in deploy.ts.

type Block = types.KnownBlock;
type Decided = Extract<DeployNotice, { type: 'auto_rollback_decided' }>;
type Settled = Extract<DeployNotice, { type: 'auto_rollback_settled' }>;
type RollbackButtonOf = (
  value: NonNullable<Decided['rollback']>,
  facts: { service: string; environment: string; from: string | null; to: string },
  label?: string,
) => types.Button;

const section = (text: string): Block => ({ type: 'section', text: mrkdwn(text) });
const context = (text: string): Block => ({ type: 'context', elements: [mrkdwn(text)] });
const who = (id: string) => (/^[UW][A-Z0-9]+$/.test(id) ? `<@${id}>` : escapeText(id));
const target = (service: string | null, environment: string) =>
  `*${escapeText(service ?? '?')}* in *${escapeText(environment)}*`;
const versions = (from: string | null, to: string | null) =>
  `${from ? ` from *${escapeText(from)}*` : ''}${to ? ` to *${escapeText(to)}*` : ''}`;
const reasonList = (reasons: readonly string[]) =>
  reasons.map((r) => `• ${escapeText(truncate(r, 300))}`).join('\n');
const POLICY = 'automatic rollback policy (`deploys.autoRollback`)';

export function renderAutoRollbackDecided(
  n: Decided,
  rollbackButton: RollbackButtonOf,
): { text: string; blocks: Block[] } {
  const facts =
    n.to !== null
      ? { service: n.service ?? '?', environment: n.environment, from: n.from, to: n.to }
      : null;
  const buttons: types.Button[] = [];
  let headline: string;
  let why: string;
  if (n.decision === 'scheduled' && n.deadline) {
    const deadline = new Date(n.deadline);
    headline = `⏳ Rolling back ${target(n.service, n.environment)}${versions(n.from, n.to)} in ${spoken(n.vetoMs ?? 0)}, at ${slackDate(deadline, '{time_secs}')} (${slackDate(deadline, '{ago}')}). Press *Cancel* to stop it.`;
    why = `firebreak's ${POLICY} found every condition true:`;
    buttons.push({
      type: 'button',
      action_id: actions.cancelAutoRollback,
      text: plain('Cancel'),
      style: 'primary',
      value: String(n.autoRollbackId),
    });
    if (n.rollback && facts) buttons.push(rollbackButton(n.rollback, facts, 'Roll back now'));
  } else if (n.decision === 'shadow') {
    headline = `🌓 Shadow mode: firebreak would have rolled back ${target(n.service, n.environment)}${versions(n.from, n.to)}. Nothing was done.`;
    why = `The ${POLICY} found every condition true:`;
    if (n.rollback && facts) buttons.push(rollbackButton(n.rollback, facts, 'Roll back now'));
  } else {
    headline = `🛑 No automatic rollback of ${target(n.service, n.environment)}. A person decides.`;
    why = `The ${POLICY} did not act because:`;
    if (n.rollback && facts) buttons.push(rollbackButton(n.rollback, facts));
  }
  const blocks: Block[] = [
    section(truncateMarkup(headline, 3000)),
    context(truncateMarkup(`${why}\n${reasonList(n.reasons)}`, 3000)),
  ];
  if (buttons.length > 0) blocks.push({ type: 'actions', elements: buttons });
  const text =
    n.decision === 'scheduled'
      ? `⏳ Rolling back ${escapeText(n.service ?? '?')}/${escapeText(n.environment)} to ${escapeText(n.to ?? '?')} in ${spoken(n.vetoMs ?? 0)} unless cancelled`
      : n.decision === 'shadow'
        ? `🌓 Would have rolled back ${escapeText(n.service ?? '?')}/${escapeText(n.environment)} to ${escapeText(n.to ?? '?')}`
        : `🛑 No automatic rollback: ${escapeText(n.reasons.join('; '))}`;
  return { text: truncateMarkup(text, 3000), blocks };
}

export function renderAutoRollbackSettled(
  n: Settled,
  rollbackButton: RollbackButtonOf,
): { text: string; blocks: Block[] } {
  const what = `the automatic rollback of ${target(n.service, n.environment)}`;
  let line: string;
  switch (n.status) {
    case 'cancelled':
      line = `✋ ${who(n.by)} cancelled ${what}. Nothing was rolled back.`;
      break;
    case 'superseded':
      line = `⏪ No need for ${what}: ${who(n.by)} already rolled back${n.rollbackId ? ` (rollback #${n.rollbackId})` : ''}.`;
      break;
    case 'aborted':
      line = `❌ ${what.replace(/^the/, 'The')}${n.to ? ` to *${escapeText(n.to)}*` : ''} did not run: ${escapeText(truncate(n.reason ?? 'no reason given', 1000))}`;
      break;
    default:
      line = `⏪ The veto is over: firebreak is rolling back ${target(n.service, n.environment)}${n.rollbackId ? ` (rollback #${n.rollbackId})` : ''}.`;
  }
  const blocks: Block[] = [section(truncateMarkup(line, 3000))];
  if (n.rollback && n.to)
    blocks.push({
      type: 'actions',
      elements: [
        rollbackButton(n.rollback, {
          service: n.service ?? '?',
          environment: n.environment,
          from: null,
          to: n.to,
        }),
      ],
    });
  return { text: truncateMarkup(line, 3000), blocks };
}

/** The card's line while a countdown runs: when it will roll back, counting down, and Cancel. */
export function autoRollbackCountdown(c: AutoRollbackCountdown): Block {
  return {
    type: 'section',
    block_id: blockIds.cardAutoRollback,
    text: mrkdwn(
      truncateMarkup(
        `⏳ *Automatic rollback* of ${target(c.service, c.environment)}${c.to ? ` to *${escapeText(c.to)}*` : ''} at ${slackDate(c.deadlineAt, '{time_secs}')} (${slackDate(c.deadlineAt, '{ago}')}) unless cancelled.`,
        3000,
      ),
    ),
    accessory: {
      type: 'button',
      action_id: actions.cancelAutoRollback,
      text: plain('Cancel'),
      value: String(c.id),
    },
  };
}
