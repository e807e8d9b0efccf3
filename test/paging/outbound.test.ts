import { afterEach, expect, test } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { Actor } from '../../src/incidents/events.js';
import { pagerLane } from '../../src/paging/effects.js';
import { laneItems } from '../../src/store/outbox.js';
import { directoryEntries, setPage } from '../../src/store/paging.js';
import { list } from '../../src/timeline/timeline.js';
import { fakeChat, permanent, retryable, setupPaging } from '../support/paging.js';

const ana: Actor = { id: 'U0ANA0001', source: 'slack' };
const pd: Actor = { id: 'pagerduty:PALICE1', source: 'pagerduty' };

let setup: ReturnType<typeof setupPaging> | undefined;
afterEach(async () => {
  await setup?.close();
  setup = undefined;
});

async function declared(
  s: ReturnType<typeof setupPaging>,
  services = ['checkout'],
  severity = 'sev1' as const,
) {
  return await s.incidents.declare({ title: 'Checkout returns 500', severity, services }, ana);
}

test('paging records the request, then one PagerDuty incident on the escalation policy, with urgency and a link back', async () => {
  setup = setupPaging({ chat: fakeChat() });
  const incident = await declared(setup);
  await setup.drain(); // the incident's channel is created: C0INC0001

  const outcome = await setup.paging.page(incident.id, null, ana);
  expect(outcome).toEqual({ incidentId: incident.id, requested: ['checkout'], alreadyPaged: [] });
  expect(await setup.pagesOf(incident.id)).toMatchObject([
    {
      status: 'requested',
      incidentKey: `firebreak-INC-${incident.id}-checkout`,
      origin: 'firebreak',
    },
  ]);
  await setup.drain();

  const [create] = setup.fake.ops('createIncident');
  expect(create?.args[0]).toMatchObject({
    serviceId: 'PSVC001',
    escalationPolicyId: 'PEPOL01',
    urgency: 'high',
    incidentKey: `firebreak-INC-${incident.id}-checkout`,
    title: `INC-${incident.id} Checkout returns 500`,
  });
  expect((create?.args[0] as { details?: string } | undefined)?.details).toContain(
    'https://slack.com/app_redirect?channel=C0INC0001',
  );
  expect(await setup.pagesOf(incident.id)).toMatchObject([
    { status: 'triggered', pdIncidentId: 'Q1', htmlUrl: 'https://acme.pagerduty.com/incidents/Q1' },
  ]);
  expect((await setup.messages(incident.id)).map((m) => m.type)).toEqual([
    'page_requested',
    'page_triggered',
  ]);
  expect((await setup.store.read((tx) => list(tx, incident.id))).map((e) => e.kind)).toEqual(
    expect.arrayContaining(['page_requested', 'page_triggered']),
  );

  // A second click pages nothing new.
  const again = await setup.paging.page(incident.id, null, ana);
  expect(again.requested).toEqual([]);
  expect(again.alreadyPaged).toMatchObject([
    { service: 'checkout', status: 'triggered', pdIncidentId: 'Q1' },
  ]);
  await setup.drain();
  expect(setup.fake.ops('createIncident')).toHaveLength(1);
});

test('PagerDuty off: paging explains how to enable it and records nothing', async () => {
  setup = setupPaging({
    policy: { restEnabled: false, services: { checkout: { pagerduty: { serviceId: 'PSVC001' } } } },
  });
  const incident = await declared(setup);
  const error = await (async () => {
    try {
      await setup?.paging.page(incident.id, null, ana);
    } catch (e) {
      return e;
    }
  })();
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe('unavailable');
  expect((error as AppError).message).toContain('PAGERDUTY_TOKEN');
  expect(await setup.pagesOf(incident.id)).toEqual([]);
  expect(await setup.store.read((tx) => laneItems(tx, pagerLane(incident.id)))).toEqual([]);
});

test('a service without a mapping is refused with the services that can be paged', async () => {
  setup = setupPaging();
  const incident = await declared(setup, ['search']);
  await expect(setup?.paging.page(incident.id, null, ana)).rejects.toThrow(
    /no PagerDuty mapping.*checkout, payments/,
  );
  await expect(setup?.paging.page(incident.id, 'search', ana)).rejects.toThrow(
    /`search` has no PagerDuty mapping/,
  );
  // Naming a mapped service pages it, even when the incident does not list it.
  expect((await setup.paging.page(incident.id, 'checkout-api', ana)).requested).toEqual([
    'checkout',
  ]);
});

test('a service routed by integration key is paged through the Events API with the page key as dedup_key', async () => {
  setup = setupPaging();
  const incident = await declared(setup, ['payments'], 'sev2' as never);
  await setup.paging.page(incident.id, null, ana);
  await setup.drain();
  expect(setup.fake.ops('sendEvent')[0]?.args[0]).toMatchObject({
    routingKey: 'e93facc04764012d7bfb002500d5d1a6',
    action: 'trigger',
    dedupKey: `firebreak-INC-${incident.id}-payments`,
    severity: 'error',
  });
  expect(await setup.pagesOf(incident.id)).toMatchObject([
    { status: 'triggered', pdIncidentId: null },
  ]);
  await setup.incidents.resolve(incident.id, 'fixed', ana);
  await setup.drain();
  expect(setup.fake.ops('sendEvent')[1]?.args[0]).toMatchObject({
    action: 'resolve',
    dedupKey: `firebreak-INC-${incident.id}-payments`,
  });
});

test('PagerDuty failing: the channel hears once that paging is retrying, then that it worked', async () => {
  setup = setupPaging();
  const incident = await declared(setup);
  setup.fake.failNext('createIncident', retryable('PagerDuty /incidents answered HTTP 500'), 2);
  await setup.paging.page(incident.id, null, ana);
  await setup.drain();
  expect(setup.fake.ops('createIncident')).toHaveLength(3);
  expect(await setup.messages(incident.id)).toMatchObject([
    { type: 'page_requested' },
    { type: 'page_retrying', reason: 'PagerDuty /incidents answered HTTP 500' },
    { type: 'page_triggered', pdIncidentId: 'Q1' },
  ]);
});

test('PagerDuty failing for good: the page is reported failed, and paging again keeps the same key', async () => {
  setup = setupPaging({ maxAttempts: 3 });
  const incident = await declared(setup);
  setup.fake.failNext('createIncident', retryable(), 3);
  await setup.paging.page(incident.id, null, ana);
  await setup.drain();
  expect((await setup.messages(incident.id)).map((m) => m.type)).toEqual([
    'page_requested',
    'page_retrying',
    'page_failed',
  ]);
  expect(await setup.pagesOf(incident.id)).toMatchObject([{ status: 'failed' }]);
  expect(
    (await setup.store.read((tx) => list(tx, incident.id))).some((e) => e.kind === 'page_failed'),
  ).toBe(true);

  expect((await setup.paging.page(incident.id, null, ana)).requested).toEqual(['checkout']);
  await setup.drain();
  const keys = setup.fake
    .ops('createIncident')
    .map((c) => (c.args[0] as { incidentKey: string }).incidentKey);
  expect(new Set(keys).size).toBe(1);
  expect(await setup.pagesOf(incident.id)).toMatchObject([
    { status: 'triggered', pdIncidentId: 'Q1' },
  ]);
});

test('a refusal (4xx) fails the page at once', async () => {
  setup = setupPaging();
  const incident = await declared(setup);
  setup.fake.failNext(
    'createIncident',
    permanent('PagerDuty /incidents answered HTTP 400 (Service not found)'),
  );
  await setup.paging.page(incident.id, null, ana);
  await setup.drain();
  expect(setup.fake.ops('createIncident')).toHaveLength(1);
  expect(await setup.messages(incident.id)).toMatchObject([
    { type: 'page_requested' },
    { type: 'page_failed', reason: 'PagerDuty /incidents answered HTTP 400 (Service not found)' },
  ]);
});

test("firebreak's acknowledge and resolve go to PagerDuty; PagerDuty's own changes are never sent back", async () => {
  setup = setupPaging();
  const incident = (
    await setup.intake.ingest([
      {
        source: 'generic',
        key: 'checkout-5xx',
        groupKey: null,
        status: 'firing',
        title: 'Checkout 5xx',
        description: null,
        service: 'checkout',
        environment: null,
        severityLabel: 'critical',
        labels: {},
        annotations: {},
        url: null,
        startsAt: null,
        endsAt: null,
      },
    ])
  ).opened[0] as number;
  await setup.paging.page(incident, null, ana);
  await setup.drain();

  await setup.incidents.acknowledge(incident, pd);
  await setup.drain();
  expect(setup.fake.ops('acknowledge')).toEqual([]);

  await setup.incidents.resolve(incident, 'Rolled back', pd);
  await setup.drain();
  expect(setup.fake.ops('resolve')).toEqual([]);

  // The webhook that carried PagerDuty's resolve marked its page resolved.
  for (const page of await setup.pagesOf(incident))
    await setup.store.tx((tx) => setPage(tx, page.id, { status: 'resolved' }));
  // Alice was on call, so the lookup made her the owner.
  const alice: Actor = { id: 'U0ALICE01', source: 'slack' };
  await setup.incidents.reopen(incident, 'not over', alice);
  const again = await setup.paging.page(incident, null, alice);
  expect(again.requested).toEqual(['checkout']);
  await setup.drain();
  expect((await setup.pagesOf(incident)).map((p) => p.incidentKey)).toEqual([
    `firebreak-INC-${incident}-checkout`,
    `firebreak-INC-${incident}-checkout-2`,
  ]);

  await setup.incidents.acknowledge(incident, alice); // after a reopen: already acknowledged, nothing to send
  await setup.incidents.setState(incident, 'identified', alice);
  await setup.incidents.resolve(incident, 'Fixed for real', alice);
  await setup.drain();
  expect(setup.fake.ops('resolve')).toEqual([{ op: 'resolve', args: ['Q2', 'Fixed for real'] }]);
  expect((await setup.pagesOf(incident)).map((p) => p.status)).toEqual(['resolved', 'resolved']);
});

test('an unowned incident on a service with an escalation policy is owned by who is on call, looked up once per e-mail', async () => {
  setup = setupPaging();
  const alert = (key: string) => ({
    source: 'generic' as const,
    key,
    groupKey: `g-${key}`,
    status: 'firing' as const,
    title: key,
    description: null,
    service: 'checkout',
    environment: key,
    severityLabel: 'warning',
    labels: {},
    annotations: {},
    url: null,
    startsAt: null,
    endsAt: null,
  });
  const first = (await setup.intake.ingest([alert('a')])).opened[0] as number;
  await setup.drain();
  expect(await setup.incidents.isPrivileged(first, { id: 'U0ALICE01', source: 'slack' })).toBe(
    true,
  );
  expect(setup.fake.ops('onCall')).toEqual([{ op: 'onCall', args: ['PEPOL01'] }]);
  expect(await setup.messages(first)).toMatchObject([
    {
      type: 'owner_from_pagerduty',
      ownerId: 'U0ALICE01',
      pagerUser: 'Alice Oncall',
      reason: 'on_call',
    },
  ]);
  expect(await setup.store.read((tx) => directoryEntries(tx))).toMatchObject([
    { email: 'alice@example.com', slackUserId: 'U0ALICE01' },
  ]);
  const owner = (await setup.store.read((tx) => list(tx, first))).find(
    (e) => e.kind === 'owner_changed',
  );
  expect(owner).toMatchObject({
    source: 'pagerduty',
    actor: 'pagerduty:PALICE1',
    payload: { to: 'U0ALICE01' },
  });

  const second = (await setup.intake.ingest([alert('b')])).opened[0] as number;
  await setup.drain();
  expect(await setup.incidents.isPrivileged(second, { id: 'U0ALICE01', source: 'slack' })).toBe(
    true,
  );
  expect(setup.directory.asked).toEqual(['alice@example.com']); // the cache answered the second time

  // A declared incident has its declarer as owner: nobody is asked.
  await declared(setup);
  await setup.drain();
  expect(setup.fake.ops('onCall')).toHaveLength(2);
});
