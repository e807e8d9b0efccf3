import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
  SlackEventMiddlewareArgs,
} from '@slack/bolt';
import { z } from 'zod';
import type { Catalog } from '../../catalog.js';
import { AppError } from '../../errors.js';
import type { Followups } from '../../incidents/followups.js';
import type { Visibility } from '../../incidents/visibility.js';
import { declareModal } from '../blocks/modals.js';
import type { Home } from '../home.js';

const HomeOpened = z.object({
  user: z.string().regex(/^[UW][A-Z0-9]+$/),
  tab: z.string().optional(),
  // Present when a view of ours was published to them before.
  view: z.object({ id: z.string() }).loose().optional(),
});

/** app_home_opened: publish the viewer's dashboard (only the Home tab, not Messages). */
export const homeOpened =
  ({ home }: { home: Pick<Home, 'opened'> }) =>
  async ({ event }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs) => {
    const parsed = HomeOpened.safeParse(event);
    if (!parsed.success || parsed.data.tab !== 'home') return;
    await home.opened(parsed.data.user, parsed.data.view !== undefined);
  };

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** Declare incident on the Home tab: the same form as `/incident declare`. */
export const homeDeclareClicked =
  ({ catalog }: { catalog: Catalog }) =>
  async ({ ack, body, client }: ButtonArgs) => {
    await ack();
    await client.views.open({
      trigger_id: body.trigger_id,
      view: declareModal({ services: catalog.names() }),
    });
  };

/** Done on a follow-up of the Home tab: marks it done, then the home is published again. */
export const homeFollowupDoneClicked =
  ({ followups, home }: { followups: Pick<Followups, 'setState'>; home: Pick<Home, 'refresh'> }) =>
  async ({ ack, action, body }: ButtonArgs) => {
    await ack();
    const id = Number(action.value);
    if (!Number.isInteger(id) || id <= 0)
      throw new AppError('invalid', 'That button is out of date.');
    try {
      await followups.setState(id, 'done', { id: body.user.id, source: 'slack' });
    } finally {
      // A stale button (the follow-up is gone or moved on) goes away with the refresh too.
      await home.refresh(body.user.id);
    }
  };

const MemberEvent = z.object({
  user: z.string().min(1),
  channel: z.string().min(1),
});

/** member_joined_channel / member_left_channel: who sees a private incident follows its channel. */
export const memberJoined =
  ({ visibility }: { visibility: Pick<Visibility, 'memberJoined'> }) =>
  async ({ event }: { event: unknown }) => {
    const parsed = MemberEvent.safeParse(event);
    if (parsed.success) await visibility.memberJoined(parsed.data.channel, parsed.data.user);
  };

export const memberLeft =
  ({ visibility }: { visibility: Pick<Visibility, 'memberLeft'> }) =>
  async ({ event }: { event: unknown }) => {
    const parsed = MemberEvent.safeParse(event);
    if (parsed.success) await visibility.memberLeft(parsed.data.channel, parsed.data.user);
  };
