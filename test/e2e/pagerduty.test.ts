import { afterEach, expect, test } from 'vitest';
import { listDeliveries } from '../../src/store/deliveries.js';
import { findIncident, openIncidents } from '../../src/store/incidents.js';
import { directoryEntries } from '../../src/store/paging.js';
import { entriesOf } from '../../src/store/timeline.js';
import { AUDIT_STREAM, list, verify } from '../../src/timeline/timeline.js';
import {
  buildWebhookEvent,
  DEFAULT_PAGERDUTY_TOKEN,
  deliverWebhook,
  type PagerDutyEmulator,
  type PdReference,
  startPagerDutyEmulator,
  type WebhookEventType,
} from '../emulators/pagerduty.js';
import { eventually, SIGNING_SECRET, startTestApp, type TestApp } from '../support/app.js';
import {
  blockActionPayload,
  sendBlockAction,
  sendSlashCommand,
  slashCommandFields,
} from '../support/slack-requests.js';

const SECRET = 'pd-webhook-secret-current';
const CONFIG = `
services:
  checkout:
    aliases: [checkout-api]
    pagerduty:
      serviceId: PSVC001
      escalationPolicyId: PEPOL01
  search: {}
pagerduty:
  priorities: { P1: sev1 }
`;

let bot: TestApp | undefined;
let pd: PagerDutyEmulator | undefined;
afterEach(async () => {
  await bot?.stop();
  await pd?.close();
  bot = undefined;
  pd = undefined;
});

async function start(
  options: { env?: Record<string, string>; config?: string; app?: object } = {},
) {
  pd = await startPagerDutyEmulator();
  // PagerDuty records changes as the user named in From: a user of its own for the bot.
  pd.addUser({ id: 'PFIREBR', name: 'firebreak', email: 'firebreak@example.com' });
  bot = await startTestApp({
    configYaml: options.config ?? CONFIG,
    env: {
      PAGERDUTY_TOKEN: DEFAULT_PAGERDUTY_TOKEN,
      PAGERDUTY_FROM: 'firebreak@example.com',
      PAGERDUTY_API_URL: pd.url,
      PAGERDUTY_EVENTS_URL: pd.url,
      PAGERDUTY_WEBHOOK_SECRET: `old-rotated-secret, ${SECRET}`,
      ...options.env,
    },
    app: options.app,
  });
  bot.slack.addUser({ id: 'U0ALICE01', name: 'alice', email: 'alice@example.com' });
  bot.slack.addUser({ id: 'U0BOB0001', name: 'bob', email: 'bob@example.com' });
  return { bot, pd };
}

async function alert(b: TestApp, key = 'checkout-5xx', service = 'checkout') {
  const res = await b.post('/webhooks/alerts', {
    dedupeKey: key,
    title: 'High 5xx on checkout',
    service,
    severity: 'critical',
  });
  expect(res.status).toBe(202);
  await b.settle(10_000);
  // Each test sends its one alert to a fresh bot: the incident it opened is the newest open one.
  const incident = (await b.app.store.read((tx) => openIncidents(tx))).findLast(
    (i) => i.title === 'High 5xx on checkout',
  );
  if (!incident?.channelId) throw new Error('no incident channel');
  return { ...incident, channelId: incident.channelId };
}

function click(b: TestApp, incident: { id: number; channelId: string }, responseId: string) {
  return sendBlockAction(
    b.base,
    SIGNING_SECRET,
    blockActionPayload({
      user: 'U0ALICE01',
      channel: incident.channelId,
      actions: [{ action_id: 'incident_page_oncall', value: String(incident.id) }],
      response_url: b.slack.responseUrl(responseId),
    }),
  );
}

/** What PagerDuty would deliver for the incident as the emulator holds it now. */
function webhook(
  emu: PagerDutyEmulator,
  b: TestApp,
  type: WebhookEventType,
  pdIncidentId: string,
  agent: PdReference | null,
  occurredAt: Date,
  webhookId?: string,
) {
  const incident = emu.incident(pdIncidentId);
  if (!incident) throw new Error(`no PagerDuty incident ${pdIncidentId}`);
  return deliverWebhook(
    `${b.base}/webhooks/pagerduty`,
    buildWebhookEvent(type, incident, agent, { occurredAt }),
    { secrets: [SECRET], ...(webhookId ? { webhookId } : {}) },
  );
}

const userRef = (id: string, name: string): PdReference => ({
  id,
  type: 'user_reference',
  summary: name,
  self: `https://api.pagerduty.com/users/${id}`,
  html_url: `https://firebreak-test.pagerduty.com/users/${id}`,
});

const texts = (b: TestApp, channelId: string) => b.slack.messages(channelId).map((m) => m.text);
const writes = (emu: PagerDutyEmulator) =>
  emu.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);

test('both ways: a click pages once on the escalation policy; PagerDuty acknowledge, reassign and resolve move the incident; firebreak resolve resolves PagerDuty', async () => {
  // The bot's clock runs, and jumps ahead by hand: PagerDuty's webhooks arrive minutes after
  // what they report.
  let ahead = 0;
  const minutes = (n: number) => {
    ahead += n * 60_000;
  };
  const { bot: b, pd: emu } = await start({
    config: `${CONFIG}\nincidents:\n  autoResolve: true\n`,
    app: { now: () => new Date(Date.now() + ahead) },
  });

  // An alert opens the incident; who is on call for the service's policy owns it.
  const incident = await alert(b);
  expect((await b.app.store.read((tx) => findIncident(tx, incident.id)))?.ownerId).toBe(
    'U0ALICE01',
  );
  expect(b.slack.findCalls('users.lookupByEmail')).toHaveLength(1);
  expect(await b.app.store.read((tx) => directoryEntries(tx))).toMatchObject([
    { email: 'alice@example.com', slackUserId: 'U0ALICE01' },
  ]);
  expect(texts(b, incident.channelId).join('\n')).toContain('Alice Oncall is on call in PagerDuty');

  // The click: one PagerDuty incident on PEPOL01, urgency from severity, a link back, a dedupe key.
  expect((await click(b, incident, 'click-1')).status).toBe(200);
  await b.settle(10_000);
  expect(emu.incidents).toHaveLength(1);
  const [created] = emu.incidents;
  if (!created) throw new Error('no PagerDuty incident');
  expect(created).toMatchObject({
    title: 'INC-1 High 5xx on checkout',
    urgency: 'high',
    incident_key: 'firebreak-INC-1-checkout',
    escalation_policy: { id: 'PEPOL01' },
    service: { id: 'PSVC001' },
    assignments: [{ assignee: { id: 'PALICE1' } }],
  });
  const post = emu.requests.find((r) => r.method === 'POST' && r.path === '/incidents');
  expect(post?.headers.from).toBe('firebreak@example.com');
  expect(JSON.stringify(post?.body)).toContain(`app_redirect?channel=${incident.channelId}`);

  // A second click pages nothing new and says so, privately.
  await click(b, incident, 'click-2');
  await b.settle(10_000);
  expect(emu.incidents).toHaveLength(1);
  const reply = await eventually(() => b.slack.responsesTo('click-2')[0] as { text: string });
  expect(reply.text).toContain('already paged');

  // The channel: paging…, then paged with the PagerDuty id and link; the card and timeline too.
  const said = texts(b, incident.channelId).join('\n');
  expect(said).toContain('is paging the on-call of *checkout* through PagerDuty…');
  expect(said).toContain(
    `Paged the on-call of *checkout*: PagerDuty incident <${created.html_url}|PagerDuty ${created.id}>`,
  );
  const card = b.slack.pinnedMessages(incident.channelId)[0];
  expect(JSON.stringify(card?.blocks)).toContain(`${created.html_url}|PagerDuty ${created.id}`);
  expect(
    (await b.app.store.read((tx) => list(tx, incident.id))).find((e) => e.kind === 'page_triggered')
      ?.payload,
  ).toMatchObject({
    pdIncidentId: created.id,
    htmlUrl: created.html_url,
  });

  // PagerDuty: Bob acknowledges. MTTA is measured from when he did, not from when we heard.
  const detectedAt = (await b.app.store.read((tx) => findIncident(tx, incident.id)))
    ?.detectedAt as Date;
  const ackAt = new Date(detectedAt.getTime() + 42_000);
  minutes(5); // delivered five minutes late
  emu.updateIncident(created.id, { status: 'acknowledged' }, 'PBOB002');
  const ack = await webhook(
    emu,
    b,
    'incident.acknowledged',
    created.id,
    userRef('PBOB002', 'Bob Backup'),
    ackAt,
  );
  expect(ack.status).toBe(202);
  const acked = await b.app.store.read((tx) => findIncident(tx, incident.id));
  expect(acked?.acknowledgedAt?.toISOString()).toBe(ackAt.toISOString());
  expect((acked?.acknowledgedAt?.getTime() ?? 0) - detectedAt.getTime()).toBe(42_000); // MTTA
  expect(
    (await b.app.store.read((tx) => list(tx, incident.id))).find((e) => e.kind === 'acknowledged'),
  ).toMatchObject({
    at: ackAt,
    actor: 'pagerduty:PBOB002',
    source: 'pagerduty',
  });
  expect(acked?.state).toBe('investigating');

  // PagerDuty: reassigned to Bob, who becomes the owner.
  emu.updateIncident(created.id, { assigneeIds: ['PBOB002'] }, 'PBOB002');
  const reassign = await webhook(
    emu,
    b,
    'incident.reassigned',
    created.id,
    userRef('PBOB002', 'Bob Backup'),
    new Date(ackAt.getTime() + 60_000),
  );
  minutes(1);
  expect(reassign.status).toBe(202);
  await b.settle(10_000);
  expect((await b.app.store.read((tx) => findIncident(tx, incident.id)))?.ownerId).toBe(
    'U0BOB0001',
  );
  const afterReassign = texts(b, incident.channelId).join('\n');
  expect(afterReassign).toContain('Bob Backup acknowledged');
  expect(afterReassign).toContain('reassigned');
  // Nothing of that went back to PagerDuty.
  expect(writes(emu)).toEqual(['POST /incidents']);

  // Firebreak resolves (its last alert resolved, auto-resolve on): PagerDuty's incident is resolved.
  minutes(10);
  const b2 = b;
  expect(
    (
      await b2.post('/webhooks/alerts', {
        dedupeKey: 'checkout-5xx',
        title: 'High 5xx on checkout',
        service: 'checkout',
        status: 'resolved',
      })
    ).status,
  ).toBe(202);
  await b2.settle(10_000);
  expect((await b2.app.store.read((tx) => findIncident(tx, incident.id)))?.state).toBe('resolved');
  expect(emu.incident(created.id)?.status).toBe('resolved');
  const put = emu.requests.find((r) => r.method === 'PUT');
  expect(put).toMatchObject({ path: '/incidents', headers: { from: 'firebreak@example.com' } });

  // …and PagerDuty's webhook about that resolve changes nothing and is not sent back.
  const echo = await webhook(
    emu,
    b2,
    'incident.resolved',
    created.id,
    userRef('PFIREBR', 'firebreak'),
    new Date(),
  );
  expect(echo.status).toBe(202);
  await b2.settle(10_000);
  expect(writes(emu)).toEqual(['POST /incidents', 'PUT /incidents']);
  expect((await b2.app.store.read((tx) => verify(tx))).problems).toEqual([]);
});

test('PagerDuty answering 429 and 500: the channel says paging is retrying, then that it worked', async () => {
  const { bot: b, pd: emu } = await start();
  const incident = await alert(b);
  // pdjs retries a 429 three times on its own (with no wait here), then hands it to us; then a 500.
  emu.failNext('POST /incidents', { status: 429, retryAfter: 0 }, 4);
  emu.failNext('POST /incidents', { status: 500 }, 1);
  await click(b, incident, 'c');
  await b.settle(15_000);
  expect(emu.incidents).toHaveLength(1);
  const said = texts(b, incident.channelId);
  const retrying = said.filter((t) => t.includes('has not taken the page'));
  expect(retrying).toHaveLength(1);
  expect(retrying[0]).toContain('HTTP 429');
  expect(said.findIndex((t) => t.includes('has not taken the page'))).toBeLessThan(
    said.findIndex((t) => t.includes('Paged the on-call of')),
  );
});

test('PagerDuty down for good: the channel is told paging failed, with a button to try again', async () => {
  const { bot: b, pd: emu } = await start({ app: { pagerDuty: { maxAttempts: 3 } } });
  const incident = await alert(b);
  emu.failNext('POST /incidents', { status: 503 }, 3);
  await click(b, incident, 'c');
  await b.settle(15_000);
  expect(emu.incidents).toHaveLength(0);
  const failed = b.slack
    .messages(incident.channelId)
    .find((m) => m.text.includes('Could not page'));
  expect(failed?.text).toContain('HTTP 503');
  expect(JSON.stringify(failed?.blocks)).toContain('incident_page_oncall');
  expect(JSON.stringify(b.slack.pinnedMessages(incident.channelId)[0]?.blocks)).toContain('failed');

  // PagerDuty is back: trying again pages once.
  await click(b, incident, 'c2');
  await b.settle(15_000);
  expect(emu.incidents).toHaveLength(1);
});

test('a page waiting for PagerDuty survives a restart and goes out once', async () => {
  const { bot: b, pd: emu } = await start({ app: { pagerDuty: { maxAttempts: 100 } } });
  const incident = await alert(b);
  emu.down();
  await click(b, incident, 'c');
  await eventually(() =>
    texts(b, incident.channelId).some((t) => t.includes('has not taken the page')),
  );
  const restarted = await b.restart();
  bot = restarted;
  emu.down(false);
  await restarted.settle(15_000);
  expect(emu.incidents).toHaveLength(1);
  expect(
    texts(restarted, incident.channelId).filter((t) => t.includes('Paged the on-call')),
  ).toHaveLength(1);
});

test('PagerDuty off: the button and the command explain how to enable it', async () => {
  const { bot: b, pd: emu } = await start({
    env: { PAGERDUTY_TOKEN: '', PAGERDUTY_FROM: '', PAGERDUTY_WEBHOOK_SECRET: '' },
  });
  const incident = await alert(b);
  await click(b, incident, 'btn');
  const button = await eventually(
    () => b.slack.responsesTo('btn')[0] as { text: string; response_type: string },
  );
  expect(button).toMatchObject({ response_type: 'ephemeral' });
  expect(button.text).toContain('PAGERDUTY_TOKEN');

  const res = await sendSlashCommand(
    b.base,
    SIGNING_SECRET,
    slashCommandFields({
      channel_id: incident.channelId,
      text: 'page checkout',
      response_url: b.slack.responseUrl('cmd'),
    }),
  );
  expect(res.status).toBe(200);
  const command = await eventually(() => b.slack.responsesTo('cmd')[0] as { text: string });
  expect(command.text).toContain('README');
  expect(emu.requests).toEqual([]);
  // No secret: the webhook route is off.
  expect((await b.post('/webhooks/pagerduty', {})).status).toBe(404);
});

test('/incident page [service] pages the named service, and explains an unmapped one', async () => {
  const { bot: b, pd: emu } = await start();
  const incident = await alert(b, 'search-slow', 'search');
  const send = (text: string, id: string) =>
    sendSlashCommand(
      b.base,
      SIGNING_SECRET,
      slashCommandFields({
        channel_id: incident.channelId,
        text,
        response_url: b.slack.responseUrl(id),
      }),
    );
  await send('page', 'no-mapping');
  const refused = await eventually(() => b.slack.responsesTo('no-mapping')[0] as { text: string });
  expect(refused.text).toContain('no PagerDuty mapping');
  await send('page checkout-api', 'ok');
  await b.settle(10_000);
  expect(emu.incidents).toMatchObject([
    { incident_key: 'firebreak-INC-1-checkout', escalation_policy: { id: 'PEPOL01' } },
  ]);
  // Outside an incident channel, the command says where to run it.
  await sendSlashCommand(
    b.base,
    SIGNING_SECRET,
    slashCommandFields({ text: 'page', response_url: b.slack.responseUrl('elsewhere') }),
  );
  const elsewhere = await eventually(() => b.slack.responsesTo('elsewhere')[0] as { text: string });
  expect(elsewhere.text).toContain('works inside an incident channel');
});

test('webhooks: bad or missing signature is 401 and stores nothing; unknown types and unmapped services are kept, open nothing; a replay changes nothing', async () => {
  const { bot: b, pd: emu } = await start();
  const pdIncident = emu.createIncident({ title: 'Checkout down', serviceId: 'PSVC001' });
  const envelope = buildWebhookEvent('incident.triggered', pdIncident, null, {
    occurredAt: new Date(),
  });

  expect(
    (await deliverWebhook(`${b.base}/webhooks/pagerduty`, envelope, { secrets: ['wrong'] })).status,
  ).toBe(401);
  expect(
    (await deliverWebhook(`${b.base}/webhooks/pagerduty`, envelope, { secrets: [] })).status,
  ).toBe(401);
  expect(await b.app.store.read((tx) => listDeliveries(tx))).toEqual([]);
  expect((await b.app.store.read((tx) => verify(tx))).events).toBe(0);
  const signed = await deliverWebhook(`${b.base}/webhooks/pagerduty`, '{"not":"pagerduty"}', {
    secrets: [SECRET],
  });
  expect(signed.status).toBe(400);

  // Unmapped PagerDuty service, and an event type firebreak does not know.
  emu.addService({ id: 'PSVC999', name: 'Someone else', escalationPolicyId: 'PEPOL01' });
  const other = emu.createIncident({ title: 'Not ours', serviceId: 'PSVC999' });
  const unmapped = await deliverWebhook(
    `${b.base}/webhooks/pagerduty`,
    buildWebhookEvent('incident.triggered', other, null),
    { secrets: [SECRET] },
  );
  expect(unmapped.status).toBe(202);
  const unknown = buildWebhookEvent('incident.triggered', pdIncident, null) as unknown as {
    event: { event_type: string };
  };
  unknown.event.event_type = 'incident.responder.added';
  expect(
    (
      await deliverWebhook(`${b.base}/webhooks/pagerduty`, JSON.stringify(unknown), {
        secrets: [SECRET],
      })
    ).status,
  ).toBe(202);
  expect(await b.app.store.read((tx) => findIncident(tx, 1))).toBeNull();
  const audit = await b.app.store.read((tx) => entriesOf(tx, AUDIT_STREAM));
  expect(audit.map((a) => a.payload.type)).toEqual([
    'incident.triggered',
    'incident.responder.added',
  ]);

  // A mapped service: PagerDuty paged first, so firebreak opens the incident from it.
  const first = await deliverWebhook(`${b.base}/webhooks/pagerduty`, envelope, {
    secrets: [SECRET],
    webhookId: 'wh-replayed',
  });
  expect(first.status).toBe(202);
  await b.settle(10_000);
  const opened = await b.app.store.read((tx) => findIncident(tx, 1));
  expect(opened).toMatchObject({
    title: 'Checkout down',
    services: ['checkout'],
    ownerId: 'U0ALICE01',
  });
  expect(
    b.slack.messages(opened?.channelId ?? '').some((m) => m.text.includes('PagerDuty opened')),
  ).toBe(true);

  const rows = async () => ({
    timeline: (await b.app.store.read((tx) => verify(tx))).events,
    incidents: (await b.app.store.read((tx) => openIncidents(tx))).length,
  });
  const before = await rows();
  const replay = await deliverWebhook(`${b.base}/webhooks/pagerduty`, envelope, {
    secrets: [SECRET],
    webhookId: 'wh-replayed',
  });
  expect(replay.status).toBe(200);
  expect(JSON.parse(replay.body)).toEqual({ outcome: 'duplicate' });
  expect(await rows()).toEqual(before);
});

test('a service routed by integration key is paged through the Events API v2 (no REST token needed), resolved the same way', async () => {
  const { bot: b, pd: emu } = await start({
    config: `
incidents:
  autoResolve: true
services:
  payments:
    pagerduty:
      routingKey: e93facc04764012d7bfb002500d5d1a6
`,
    env: { PAGERDUTY_TOKEN: '', PAGERDUTY_FROM: '' },
  });
  const incident = await alert(b, 'payments-down', 'payments');
  await click(b, incident, 'c1');
  await b.settle(10_000);
  await click(b, incident, 'c2');
  await b.settle(10_000);
  expect(emu.events).toMatchObject([
    {
      status: 202,
      event_action: 'trigger',
      dedup_key: 'firebreak-INC-1-payments',
      deduplicated: false,
    },
  ]);
  expect(emu.incidents).toMatchObject([{ service: { id: 'PSVC001' }, status: 'triggered' }]);
  expect(texts(b, incident.channelId).join('\n')).toContain(
    'Paged the on-call of *payments*: the PagerDuty Events API.',
  );

  await b.post('/webhooks/alerts', {
    dedupeKey: 'payments-down',
    title: 'x',
    service: 'payments',
    status: 'resolved',
  });
  await b.settle(10_000);
  expect(emu.events.map((e) => [e.event_action, e.dedup_key])).toEqual([
    ['trigger', 'firebreak-INC-1-payments'],
    ['resolve', 'firebreak-INC-1-payments'],
  ]);
  expect(emu.incidents[0]?.status).toBe('resolved');
  expect(emu.requests.filter((r) => !r.path.startsWith('/v2/'))).toEqual([]);
});

test('a PagerDuty call that hangs is cut off and retried; the incident key keeps it to one page', async () => {
  const { bot: b, pd: emu } = await start({ app: { pagerDuty: { timeoutMs: 300 } } });
  const incident = await alert(b);
  emu.failNext('POST /incidents', { delayMs: 2000 });
  await click(b, incident, 'c');
  await b.settle(15_000);
  const said = texts(b, incident.channelId);
  expect(said.some((t) => t.includes('has not taken the page'))).toBe(true);
  expect(said.filter((t) => t.includes('Paged the on-call'))).toHaveLength(1);
  // The hung request reaches PagerDuty late; its incident key makes it a duplicate, not a second page.
  await eventually(
    () => emu.requests.filter((r) => r.path === '/incidents' && r.status !== 0).length === 2,
    5000,
  );
  expect(emu.incidents).toHaveLength(1);
});
