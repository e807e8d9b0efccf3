import { expect, test } from 'vitest';
import type { DeployNotice } from '../../src/deploy/notices.js';
import { autoRollbackCountdown } from '../../src/slack/blocks/auto-rollback.js';
import { renderNotice } from '../../src/slack/blocks/deploy.js';

// The automatic rollback's messages carry outside strings (versions, service names, freeze
// reasons inside the guard's reasons): none may mention anyone or disguise a link.

const HOSTILE = '<!channel> <https://evil.example|click> @here';
const decided = (decision: 'refused' | 'shadow' | 'scheduled'): DeployNotice => ({
  type: 'auto_rollback_decided',
  autoRollbackId: 3,
  decision,
  service: `checkout${HOSTILE}`,
  environment: 'production',
  from: `v2${HOSTILE}`,
  to: `v1${HOSTILE}`,
  reasons: [`freeze #7 blocks rollbacks of checkout in production: ${HOSTILE}`],
  deadline: decision === 'scheduled' ? '2026-12-01T12:02:00.000Z' : null,
  vetoMs: decision === 'scheduled' ? 120_000 : null,
  rollback: { incidentId: 1, deployId: 2, toDeployId: 1 },
});

const unsafe = /<!channel>|<https:\/\/evil|<!here>/;
/** Every mrkdwn text in the blocks (plain_text, as in button labels, is never parsed). */
const markup = (blocks: unknown): string => {
  const found: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') found.push(o.text);
      for (const x of Object.values(o)) walk(x);
    }
  };
  walk(blocks);
  return found.join('\n');
};

test.each(['refused', 'shadow', 'scheduled'] as const)('%s: every field escaped', (decision) => {
  const { text, blocks } = renderNotice(decided(decision), { publicUrl: null });
  expect(text).not.toMatch(unsafe);
  expect(markup(blocks)).not.toMatch(unsafe);
  expect(JSON.stringify(blocks)).toContain('&lt;!channel&gt;');
});

test('scheduled: the deadline as Slack dates (absolute and counting down), Cancel then Roll back now', () => {
  const { blocks } = renderNotice(decided('scheduled'), { publicUrl: null });
  const json = JSON.stringify(blocks);
  expect(json).toContain('<!date^1796126520^{time_secs}|');
  expect(json).toContain('<!date^1796126520^{ago}|');
  const actions = blocks.find((b) => b.type === 'actions') as {
    elements: { action_id: string; value: string }[];
  };
  expect(actions.elements.map((e) => e.action_id)).toEqual([
    'deploy_auto_rollback_cancel',
    'deploy_rollback',
  ]);
  expect(actions.elements[0]?.value).toBe('3');
});

test('settled: escaped, and an aborted one offers the ordinary button', () => {
  const { text, blocks } = renderNotice(
    {
      type: 'auto_rollback_settled',
      autoRollbackId: 3,
      status: 'aborted',
      by: 'firebreak',
      service: 'checkout',
      environment: 'production',
      to: `v1${HOSTILE}`,
      reason: HOSTILE,
      rollbackId: null,
      rollback: { incidentId: 1, deployId: 2, toDeployId: 1 },
    },
    { publicUrl: null },
  );
  expect(text).not.toMatch(unsafe);
  expect(markup(blocks)).not.toMatch(unsafe);
  expect(JSON.stringify(blocks)).toContain('deploy_rollback');
});

test("the card's countdown line escapes the version and carries Cancel", () => {
  const block = autoRollbackCountdown({
    id: 9,
    service: 'checkout',
    environment: 'production',
    to: `v1${HOSTILE}`,
    deadlineAt: new Date('2026-12-01T12:02:00.000Z'),
  });
  expect(markup(block)).not.toMatch(unsafe);
  expect(block).toMatchObject({
    block_id: 'card_auto_rollback',
    accessory: { action_id: 'deploy_auto_rollback_cancel', value: '9' },
  });
});
