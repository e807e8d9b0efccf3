import { afterEach, expect, test } from 'vitest';
import { enqueueMessage, enqueuePublish } from '../../src/incidents/effects.js';
import { openIncident } from '../../src/incidents/open.js';
import { findIncidentRow } from '../../src/store/incidents.js';
import { startTestApp, type TestApp } from '../support/app.js';

let bot: TestApp | undefined;
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});

// A listener that posts in the unit of work that opens an incident may queue its message ahead
// of the incident's first publish in the chat lane. The message must not wait forever for a
// channel that only the publish behind it would make.
test('a message queued before the incident’s first publish makes the channel itself, once', async () => {
  bot = await startTestApp();
  const at = new Date();
  const id = await bot.app.store.tx(async (tx) => {
    const incidentId = await openIncident(
      tx,
      {
        incident: {
          title: 'Checkout down',
          severity: 'sev2',
          state: 'triage',
          environment: 'production',
          source: 'declared',
          declaredAt: at,
        },
        services: [],
        opened: { kind: 'incident_declared', actor: 'U0ANA0001', source: 'slack', payload: {} },
      },
      { reminders: {}, unownedReminderMs: 60 * 60_000 },
      at,
    );
    await enqueueMessage(
      tx,
      incidentId,
      { kind: 'channel' },
      { type: 'note_added', by: 'U0ANA0001', text: 'queued before the publish' },
      at,
    );
    await enqueuePublish(tx, incidentId, at);
    return incidentId;
  });
  bot.app.outbox.kick();
  expect(await bot.app.outbox.drain(10_000)).toBe(true);
  const row = await bot.app.store.read((tx) => findIncidentRow(tx, id));
  expect(row?.channelId).toBeTruthy();
  expect(row?.cardTs).toBeTruthy();
  const channels = [...bot.slack.state.channels.values()].filter((c) => c.name.startsWith('inc-'));
  expect(channels).toHaveLength(1);
  const texts = bot.slack.messages(row?.channelId ?? '').map((m) => m.text);
  expect(texts.some((t) => t.includes('queued before the publish'))).toBe(true);
  expect(bot.slack.pinnedMessages(row?.channelId ?? '')).toHaveLength(1);
});
