import type { types } from '@slack/bolt';
import type { IncidentView } from '../../read-model/incident-view.js';
import { actions, blocks as ids } from '../ids.js';
import { escapeText, mrkdwn, plain } from './text.js';

// The option's value is the step's text: config keeps it within Slack's 75 characters (the
// value may hold 150), and a click then names its step even if the list changed meanwhile.

/**
 * The service checklist on the card: checkboxes while the incident is open (plain_text options,
 * so a step reading `<!channel>` is shown, never sent as a mention), a ticked list once resolved.
 */
export function checklistBlocks(view: IncidentView): types.KnownBlock[] {
  const steps = view.checklist;
  if (steps.length === 0) return [];
  const done = steps.filter((s) => s.checked).length;
  const title = `☑️ *Checklist* · ${done} of ${steps.length} done`;
  if (view.incident.state === 'resolved') {
    const lines = steps.map((s) => `${s.checked ? '✅' : '⬜'} ${escapeText(s.text)}`);
    return [
      {
        type: 'section',
        block_id: ids.cardChecklist,
        text: mrkdwn(`${title}\n${lines.join('\n')}`),
      },
    ];
  }
  const options = steps.map((s) => ({ text: plain(s.text), value: s.text }));
  const initial = options.filter((_, i) => steps[i]?.checked);
  return [
    { type: 'context', elements: [mrkdwn(title)] },
    {
      type: 'actions',
      block_id: ids.cardChecklist,
      elements: [
        {
          type: 'checkboxes',
          action_id: actions.checklist,
          options,
          // Slack refuses an empty initial_options.
          ...(initial.length > 0 ? { initial_options: initial } : {}),
        },
      ],
    },
  ];
}

/**
 * The values ticked on a card as it was sent back with a click (its `initial_options`); null
 * when the payload does not carry the card's checklist.
 */
export function tickedOnCard(message: Record<string, unknown> | undefined): string[] | null {
  const blocks = Array.isArray(message?.blocks) ? (message.blocks as types.KnownBlock[]) : [];
  const block = blocks.find((b) => b.block_id === ids.cardChecklist);
  if (block?.type !== 'actions') return null;
  for (const element of block.elements)
    if (element.type === 'checkboxes' && element.action_id === actions.checklist)
      return (element.initial_options ?? []).flatMap((o) => (o.value ? [o.value] : []));
  return null;
}
