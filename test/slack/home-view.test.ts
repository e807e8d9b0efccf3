import { expect, test } from 'vitest';
import type { HomeModel } from '../../src/read-model/home.js';
import { HOME_SHOWN, homeView } from '../../src/slack/blocks/home.js';
import { actions } from '../../src/slack/ids.js';
import { validateView } from '../emulators/slack.js';

const now = new Date('2026-11-22T10:00:00Z');
const HOSTILE = '<!channel> <@U0BOSS0001> & <https://evil.example|bank> *bold*';
const minutesAgo = (n: number) => new Date(now.getTime() - n * 60_000);

/** As much of everything as a busy day has, every outside string hostile and long. */
function crowded(): HomeModel {
  const many = <T>(n: number, f: (i: number) => T) => Array.from({ length: n }, (_, i) => f(i + 1));
  return {
    viewer: 'U0ALICE001',
    incidents: many(45, (i) => ({
      id: i,
      title: `${HOSTILE} ${'x'.repeat(200)}`,
      severity: 'sev1',
      state: 'investigating',
      ownerId: `U0OWNER${String(i).padStart(3, '0')}`,
      channelId: i % 2 ? `C0CHAN${String(i).padStart(4, '0')}` : null,
      declaredAt: minutesAgo(i),
      private: i % 3 === 0,
    })),
    freezes: many(25, (i) => ({
      id: i,
      services: [HOSTILE],
      environments: ['production'],
      reason: HOSTILE.repeat(20),
      expiresAt: minutesAgo(-60),
    })),
    deploys: many(18, (i) => ({
      service: `svc-${i}`,
      latest: many(3, (n) => ({
        id: n,
        environment: HOSTILE,
        version: HOSTILE,
        status: 'failed' as const,
        at: minutesAgo(n),
        url: 'https://ci.example.com/run?a=<b>|c',
      })),
    })),
    followups: many(60, (i) => ({ id: i, incidentId: 1, text: HOSTILE.repeat(30) })),
  };
}

test('a crowded home is a valid Home tab: within 100 blocks and every Block Kit limit, lists cut with a count', () => {
  const names = new Map([['U0OWNER001', `eve ${HOSTILE}`]]);
  const view = homeView(crowded(), names, now);
  expect(view.blocks.length).toBeLessThanOrEqual(100);
  expect(validateView(view)).toBeUndefined();
  const text = JSON.stringify(view.blocks);
  expect(text).toContain(`…and ${45 - HOME_SHOWN.incidents} more`);
  expect(text).toContain(`…and ${25 - HOME_SHOWN.freezes} more`);
  expect(text).toContain(`…and ${18 - HOME_SHOWN.services} more services`);
  expect(text).toContain(`…and ${60 - HOME_SHOWN.followups} more`);
  expect((view.blocks as { accessory?: unknown }[]).filter((b) => b.accessory)).toHaveLength(
    HOME_SHOWN.followups,
  );
});

test('nothing outside can mention, broadcast or disguise a link on the home', () => {
  const names = new Map([['U0OWNER001', `eve ${HOSTILE}`]]);
  const text = JSON.stringify(homeView(crowded(), names, now).blocks);
  expect(text).not.toContain('<!channel>');
  expect(text).not.toContain('<@U0BOSS0001>');
  expect(text).not.toContain('<https://evil');
  expect(text).toContain('&lt;!channel&gt;');
  expect(text).toContain('*eve &lt;!channel&gt;');
  // A URL carrying markup is not linked; the version shows as text.
  expect(text).not.toContain('<https://ci.example.com');
});

test('an empty home says so, and still offers Declare incident', () => {
  const view = homeView(
    { viewer: 'U0ALICE001', incidents: [], freezes: [], deploys: [], followups: [] },
    new Map(),
    now,
  );
  const text = JSON.stringify(view.blocks);
  expect(text).toContain('No open incidents.');
  expect(text).toContain('No deploy freezes.');
  expect(text).toContain('Nothing to follow up.');
  expect(text).not.toContain('Deploys of your services');
  expect(text).toContain(actions.homeDeclare);
  expect(validateView(view)).toBeUndefined();
});
