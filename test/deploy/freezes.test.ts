import { afterEach, expect, test } from 'vitest';
import type { NoticeDelivery } from '../../src/deploy/notices.js';
import type { Actor } from '../../src/incidents/events.js';
import { outboxItems } from '../../src/store/outbox.js';
import { AUDIT_STREAM } from '../../src/timeline/timeline.js';
import { deployCore } from '../support/deploy-core.js';

let close: (() => void) | undefined;
afterEach(() => close?.());
const deployer: Actor = { id: 'U0DEPLOYER', source: 'slack' };
const owner: Actor = { id: 'U0OWNER001', source: 'slack' };
const stranger: Actor = { id: 'U0STRANGER', source: 'slack' };

function setup() {
  const core = deployCore();
  close = core.close;
  return core;
}

const notices = async (core: ReturnType<typeof setup>) =>
  (await core.store.read((tx) => outboxItems(tx)))
    .filter((o) => o.kind === 'deploy.notice')
    .map((o) => (o.payload as unknown as NoticeDelivery).notice);

test('scopes are globs over services × environments; the gate names the freeze and the seconds left', async () => {
  const core = setup();
  await core.freezes.create(
    {
      services: ['payments-*', 'checkout'],
      environments: ['prod*'],
      reason: 'PCI audit',
      durationMs: 90 * 60_000,
    },
    deployer,
  );
  expect(await core.freezes.gate('payments-api', 'production')).toMatchObject({
    allowed: false,
    retryAfterSeconds: 5400,
  });
  expect(await core.freezes.gate('checkout', 'prod-eu')).toMatchObject({ allowed: false });
  expect(await core.freezes.gate('checkout', 'staging')).toMatchObject({
    allowed: true,
    retryAfterSeconds: 0,
  });
  expect((await core.freezes.gate('search', 'production')).allowed).toBe(true);
  core.advance(90);
  expect((await core.freezes.gate('checkout', 'production')).allowed).toBe(true);
});

test('expiry is required and capped; a reason and a valid scope are required', async () => {
  const core = setup();
  const base = { services: ['checkout'], environments: ['production'], reason: 'x' };
  expect(
    (await core.freezes.create({ ...base, durationMs: null }, deployer)).expiresAt.getTime() -
      core.clock.now.getTime(),
  ).toBe(120 * 60_000);
  await expect(
    core.freezes.create({ ...base, durationMs: 25 * 60 * 60_000 }, deployer),
  ).rejects.toThrow(/at most 1440 minutes/);
  await expect(core.freezes.create({ ...base, reason: ' ' }, deployer)).rejects.toThrow(/Say why/);
  await expect(
    core.freezes.create({ ...base, services: ['check out; rm'] }, deployer),
  ).rejects.toThrow(/not a service/);
  await expect(core.freezes.create({ ...base, services: [] }, deployer)).rejects.toThrow(
    /at least one service/,
  );
});

test('the owner of the linked incident may freeze and lift; others may not, and the refusal is audited', async () => {
  const core = setup();
  const incident = await core.incidents.declare(
    { title: 'Checkout down', severity: 'sev1', services: ['checkout'] },
    owner,
  );
  const freeze = await core.freezes.create(
    { services: ['checkout'], environments: ['production'], reason: 'r', incidentId: incident.id },
    owner,
  );
  await expect(core.freezes.lift(freeze.id, stranger)).rejects.toThrow(
    expect.objectContaining({ code: 'forbidden' }),
  );
  await expect(
    core.freezes.create({ services: ['*'], environments: ['*'], reason: 'r' }, owner),
  ).rejects.toThrow(
    expect.objectContaining({
      code: 'forbidden',
      message: expect.stringContaining('permissions.deployers'),
    }),
  );
  const audit = core.sqlite
    .prepare(
      "SELECT kind, actor FROM timeline_events WHERE stream = ? AND kind = 'permission_denied'",
    )
    .all(AUDIT_STREAM);
  expect(audit).toEqual([{ kind: 'permission_denied', actor: 'U0OWNER001' }]);
  expect((await core.freezes.lift(freeze.id, owner)).liftedBy).toBe(owner.id);
  await expect(core.freezes.lift(freeze.id, owner)).rejects.toThrow(/not active/);
});

test('resolving an incident offers to lift its freezes (never silently)', async () => {
  const core = setup();
  const incident = await core.incidents.declare(
    { title: 'Checkout down', severity: 'sev1', services: ['checkout'] },
    owner,
  );
  await core.freezes.create(
    { services: ['checkout'], environments: ['production'], reason: 'r', incidentId: incident.id },
    owner,
  );
  await core.freezes.create(
    { services: ['search'], environments: ['production'], reason: 'unrelated' },
    deployer,
  );
  await core.incidents.resolve(incident.id, 'fixed', owner);
  const offer = (await notices(core)).find((n) => n.type === 'freeze_lift_offer');
  expect(offer).toMatchObject({ incidentId: incident.id, freezes: [{ id: 1, reason: 'r' }] });
  expect((await core.freezes.gate('checkout', 'production')).allowed).toBe(false);
});

test('the sweeper lifts each expired freeze once', async () => {
  const core = setup();
  await core.freezes.create(
    {
      services: ['checkout'],
      environments: ['production'],
      reason: 'r',
      durationMs: 30 * 60_000,
      channelId: 'C0OPS',
    },
    deployer,
  );
  expect(await core.freezes.expireDue()).toEqual([]);
  core.advance(31);
  expect((await core.freezes.expireDue()).map((f) => f.id)).toEqual([1]);
  expect(await core.freezes.expireDue()).toEqual([]);
  expect((await notices(core)).filter((n) => n.type === 'freeze_lifted')).toMatchObject([
    { expired: true },
  ]);
});
