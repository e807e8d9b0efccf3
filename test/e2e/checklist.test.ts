import { afterEach, expect, test } from 'vitest';
import { actions } from '../../src/slack/ids.js';
import { list } from '../../src/timeline/timeline.js';
import type { EmulatedMessage } from '../emulators/slack.js';
import {
  API_TOKEN,
  eventually,
  SIGNING_SECRET,
  startTestApp,
  type TestApp,
} from '../support/app.js';
import { ALICE, BOB, CAROL, slackDriver } from '../support/slack-driver.js';
import { blockActionPayload, sendBlockAction } from '../support/slack-requests.js';

let bot: TestApp | undefined;
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});

const STEPS = [
  'Check the checkout dashboard',
  'Tell <!channel> & support', // never a mention: shown as these characters
  'Roll back if a deploy is suspect',
];
const CONFIG = `
services:
  checkout:
    checklist:
${STEPS.map((s) => `      - ${JSON.stringify(s)}`).join('\n')}
`;

interface Checkboxes {
  type: string;
  action_id: string;
  options: { text: { type: string; text: string }; value: string }[];
  initial_options?: { value: string }[];
}

const checklistOf = (card: EmulatedMessage) => {
  const block = (card.blocks as { block_id?: string; elements?: Checkboxes[] }[]).find(
    (b) => b.block_id === 'card_checklist',
  );
  return block?.elements?.[0];
};
const ticked = (card: EmulatedMessage) =>
  (checklistOf(card)?.initial_options ?? []).map((o) => o.value);

/**
 * A click on the card's checkboxes as Slack sends it: every box ticked after the click
 * (`selected_options`), and the message as the person saw it (with its `initial_options`).
 */
async function tick(
  app: TestApp,
  {
    user,
    channel,
    card,
    selected,
  }: { user: string; channel: string; card: EmulatedMessage; selected: string[] },
) {
  const payload = blockActionPayload({
    user,
    channel,
    message_ts: card.ts,
    message: {
      type: 'message',
      user: app.slack.botUserId,
      ts: card.ts,
      text: card.text,
      blocks: card.blocks,
    },
    actions: [{ action_id: actions.checklist, block_id: 'card_checklist', type: 'checkboxes' }],
  });
  const [action] = payload.actions as Record<string, unknown>[];
  if (action)
    action.selected_options = selected.map((value) => ({
      text: { type: 'plain_text', text: value, emoji: true },
      value,
    }));
  const res = await sendBlockAction(app.base, SIGNING_SECRET, payload);
  expect(res.status).toBe(200);
}

const entries = async (app: TestApp) =>
  (await app.app.store.read((tx) => list(tx, 1)))
    .filter((e) => e.kind.startsWith('checklist_'))
    .map((e) => [e.kind, e.actor, e.payload.step]);

test('the checklist is ticked and unticked on the card, racing clicks both count, each change is on the timeline and in the postmortem', async () => {
  bot = await startTestApp({ configYaml: CONFIG });
  await bot.post('/webhooks/alerts', {
    dedupeKey: 'co',
    title: 'Checkout errors',
    service: 'checkout',
  });
  const as = slackDriver(bot);
  const channel = await as.channelOf(1);
  const pinned = () => {
    const [card] = bot?.slack.pinnedMessages(channel) ?? [];
    if (!card) throw new Error('no card');
    return card;
  };
  const cardWith = (values: string[]) =>
    eventually(
      () =>
        JSON.stringify(ticked(pinned()).sort()) === JSON.stringify([...values].sort()) && pinned(),
    );

  // plain_text options: the step's own characters, never markup.
  const boxes = checklistOf(await cardWith([]));
  expect(boxes?.type).toBe('checkboxes');
  expect(boxes?.options.map((o) => [o.text.type, o.text.text, o.value])).toEqual(
    STEPS.map((s) => ['plain_text', s, s]),
  );
  expect(boxes?.initial_options).toBeUndefined();

  const [one = '', two = '', three = ''] = STEPS;
  await tick(bot, { user: ALICE, channel, card: pinned(), selected: [one] });
  let card = await cardWith([one]);

  // Bob and Carol click the same card at once, each ticking another step: Slack sends each of
  // them the boxes of their own click only, and neither undoes the other.
  await Promise.all([
    tick(bot, { user: BOB, channel, card, selected: [one, two] }),
    tick(bot, { user: CAROL, channel, card, selected: [one, three] }),
  ]);
  card = await cardWith([one, two, three]);

  // The same click delivered twice changes nothing the second time.
  await tick(bot, {
    user: CAROL,
    channel,
    card: { ...card, blocks: (await cardWith([one, two, three])).blocks },
    selected: [one, two, three],
  });
  // Alice unticks the first step on the card she sees now.
  await tick(bot, { user: ALICE, channel, card, selected: [two, three] });
  card = await cardWith([two, three]);
  expect(await bot.settle()).toBe(true);

  expect((await entries(bot)).sort()).toEqual(
    [
      ['checklist_ticked', ALICE, one],
      ['checklist_ticked', BOB, two],
      ['checklist_ticked', CAROL, three],
      ['checklist_unticked', ALICE, one],
    ].sort(),
  );

  const res = await bot.get('/api/v1/incidents/1/postmortem', {
    authorization: `Bearer ${API_TOKEN}`,
  });
  const markdown = await res.text();
  expect(markdown).toContain('## Checklist\n\n2 of 3 steps done.');
  expect(markdown).toMatch(
    /- \[ \] Check the checkout dashboard — unticked by alice \(@U0ALICE001\) at /,
  );
  expect(markdown).toMatch(
    /- \[x\] Tell \\<\\!channel\\> \\& support — ticked by bob \(@U0BOB00001\) at /,
  );
  expect(markdown).toMatch(
    /- \[x\] Roll back if a deploy is suspect — ticked by carol \(@U0CAROL001\) at /,
  );
  expect(markdown).toMatch(
    /☑️ Checklist step ticked by bob \(@U0BOB00001\): Tell \\<\\!channel\\> \\& support/,
  );
  expect(markdown).not.toContain('<!channel>');

  // Resolved: the card lists the final state, and the checklist takes no more clicks.
  await as.command('resolve Fixed', { channel });
  await as.timelineEntry(1, 'resolved');
  const final = await eventually(() => {
    const block = (
      pinned().blocks as { block_id?: string; type: string; text?: { text: string } }[]
    ).find((b) => b.block_id === 'card_checklist');
    return block?.type === 'section' && block.text?.text;
  });
  expect(final).toContain('2 of 3 done');
  expect(final).toContain('⬜ Check the checkout dashboard');
  expect(final).toContain('✅ Tell &lt;!channel&gt; &amp; support');
  await tick(bot, { user: BOB, channel, card, selected: [one, two, three] });
  await bot.settle();
  expect(await entries(bot)).toHaveLength(4);
});

test('a service without a checklist shows none; one added by a later alert brings its steps at the next change', async () => {
  bot = await startTestApp({ configYaml: CONFIG });
  await bot.post('/webhooks/alerts', {
    dedupeKey: 'se',
    group: 'shop',
    title: 'Search slow',
    service: 'search',
  });
  const as = slackDriver(bot);
  const channel = await as.channelOf(1);
  const card = await eventually(() => bot?.slack.pinnedMessages(channel)[0]);
  expect(checklistOf(card)).toBeUndefined();
  expect(JSON.stringify(card.blocks)).not.toContain('Checklist');

  // The same alert group, now for checkout: the service joins INC-1; acknowledging it shows
  // checkout's checklist.
  await bot.post('/webhooks/alerts', {
    dedupeKey: 'co',
    group: 'shop',
    title: 'Checkout errors',
    service: 'checkout',
  });
  await bot.settle();
  await as.click(actions.acknowledge, '1', { user: ALICE, channel });
  const withSteps = await eventually(() => {
    const pinned = bot?.slack.pinnedMessages(channel)[0];
    return pinned && checklistOf(pinned) ? pinned : undefined;
  });
  expect(checklistOf(withSteps)?.options.map((o) => o.value)).toEqual(STEPS);
});
