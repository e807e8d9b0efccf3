import type { types } from '@slack/bolt';
import { incidentRef } from '../../domain/incident.js';
import type { HomeModel } from '../../read-model/home.js';
import { actions } from '../ids.js';
import { severityLabel, stateLabel } from './incident-card.js';
import {
  channelLink,
  duration,
  escapeText,
  link,
  mention,
  mrkdwn,
  plain,
  slackDate,
  truncate,
} from './text.js';

type Block = types.KnownBlock;

// A Home tab holds at most 100 blocks: each list is cut and says how many it left out. With
// these caps the whole view stays under 80 blocks however much there is.
export const HOME_SHOWN = { incidents: 20, freezes: 10, services: 10, followups: 20 } as const;

const header = (text: string): Block => ({ type: 'header', text: plain(text, 150) });
const line = (text: string): Block => ({ type: 'section', text: mrkdwn(text) });
const note = (text: string): Block => ({ type: 'context', elements: [mrkdwn(text)] });
const more = (total: number, shown: number, where: string): Block[] =>
  total > shown ? [note(`_…and ${total - shown} more ${where}._`)] : [];

/** "12 min ago" that Slack keeps current in every reader's client; the fallback is as of now. */
const ago = (at: Date, now: Date) => {
  const epoch = Math.floor(at.getTime() / 1000);
  return `<!date^${epoch}^{ago}|${duration(Math.max(0, now.getTime() - at.getTime()))} ago>`;
};

/** A person by the name people know them by (escaped), or a mention when it is not known. */
const person = (userId: string | null, names: ReadonlyMap<string, string>) => {
  const name = userId ? names.get(userId) : undefined;
  return name ? `*${escapeText(truncate(name, 80, '…'))}*` : mention(userId);
};

/**
 * One person's App Home: open incidents worst first, active freezes, the latest deploys of the
 * services they own, their open follow-ups with Done buttons, and a Declare button. Every
 * outside string is escaped; names come from the people-names cache.
 */
export function homeView(
  model: HomeModel,
  names: ReadonlyMap<string, string>,
  now: Date,
): types.HomeView {
  const blocks: Block[] = [
    header('🔥 firebreak'),
    {
      type: 'actions',
      block_id: 'home_actions',
      elements: [
        {
          type: 'button',
          action_id: actions.homeDeclare,
          text: plain('Declare incident'),
          style: 'danger',
          value: 'declare',
        },
      ],
    },
  ];

  const open = model.incidents;
  blocks.push(header(`Open incidents (${open.length})`));
  if (open.length === 0) blocks.push(line('No open incidents. 🎉'));
  for (const i of open.slice(0, HOME_SHOWN.incidents)) {
    const where = i.channelId ? channelLink(i.channelId) : '_channel being created_';
    const lock = i.private ? '🔒 ' : '';
    blocks.push(
      line(
        `${severityLabel(i.severity)} ${lock}*${incidentRef(i.id)}* ${escapeText(truncate(i.title, 150))}\n${stateLabel(i.state)} · owner ${person(i.ownerId, names)} · opened ${ago(i.declaredAt, now)} · ${where}`,
      ),
    );
  }
  blocks.push(...more(open.length, HOME_SHOWN.incidents, '(see `/incident list`)'));

  blocks.push({ type: 'divider' }, header(`Deploy freezes (${model.freezes.length})`));
  if (model.freezes.length === 0) blocks.push(line('No deploy freezes. Deploys may go out.'));
  for (const f of model.freezes.slice(0, HOME_SHOWN.freezes)) {
    const scope = `${f.services.join(', ')} × ${f.environments.join(', ')}`;
    blocks.push(
      line(
        `🧊 *#${f.id}* ${escapeText(truncate(scope, 200))} until ${slackDate(f.expiresAt)}\n${escapeText(truncate(f.reason, 300))}`,
      ),
    );
  }
  blocks.push(...more(model.freezes.length, HOME_SHOWN.freezes, '(see `/deploy status`)'));

  if (model.deploys.length > 0) {
    blocks.push({ type: 'divider' }, header('Deploys of your services'));
    for (const s of model.deploys.slice(0, HOME_SHOWN.services)) {
      const lines = s.latest.map((d) => {
        const mark = d.status === 'failed' ? '❌' : d.status === 'started' ? '⏳' : '✅';
        return `${mark} ${link(d.url, truncate(d.version, 80))} to ${escapeText(d.environment)} · ${d.status} · ${ago(d.at, now)}`;
      });
      blocks.push(
        line(
          `*${escapeText(s.service)}*\n${lines.length > 0 ? lines.join('\n') : '_no deploys yet_'}`,
        ),
      );
    }
    blocks.push(...more(model.deploys.length, HOME_SHOWN.services, 'services'));
  }

  blocks.push({ type: 'divider' }, header(`Your open follow-ups (${model.followups.length})`));
  if (model.followups.length === 0) blocks.push(line('Nothing to follow up. 👍'));
  for (const f of model.followups.slice(0, HOME_SHOWN.followups)) {
    blocks.push({
      type: 'section',
      text: mrkdwn(
        `🔲 *#${f.id}* ${escapeText(truncate(f.text, 300))} · ${incidentRef(f.incidentId)}`,
      ),
      accessory: {
        type: 'button',
        action_id: actions.homeFollowupDone,
        text: plain('Done'),
        style: 'primary',
        value: String(f.id),
      },
    });
  }
  blocks.push(
    ...more(
      model.followups.length,
      HOME_SHOWN.followups,
      '(see `/incident followup` in each channel)',
    ),
  );

  return { type: 'home', blocks };
}
