import { expect, test } from 'vitest';
import { ZodError } from 'zod';
import { genericToDeploy } from '../../src/ingest/deploy.js';

const example = {
  id: 'deploy-8841',
  service: 'checkout',
  environment: 'production',
  status: 'succeeded',
  version: 'v42.0.0',
  previousVersion: 'v41.0.0',
  sha: '9F1C2D3E4F5A6B7C8D9E0F1A2B3C4D5E6F7A8B9C',
  compareUrl: 'https://github.com/acme/checkout/compare/a1...b2',
  actor: 'dana',
  url: 'https://ci.example.com/runs/1',
  startedAt: '2026-11-22T10:00:00Z',
  finishedAt: '2026-11-22T10:04:00Z',
  commitTimestamp: '2026-11-22T09:30:00Z',
  rollback: { revision: 17, image: 'registry/checkout:v42.0.0' },
  somethingNew: true,
};

test('the documented example parses; numbers in the rollback handle become strings', () => {
  const deploy = genericToDeploy(example);
  expect(deploy).toMatchObject({
    source: 'generic',
    sourceId: 'deploy-8841',
    serviceNames: ['checkout'],
    status: 'succeeded',
    version: 'v42.0.0',
    previousVersion: 'v41.0.0',
    sha: '9f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c',
    rollbackHandle: { revision: '17', image: 'registry/checkout:v42.0.0' },
    isRollback: false,
  });
  expect(deploy.commitAt?.toISOString()).toBe('2026-11-22T09:30:00.000Z');
});

test('status words from common CI systems are accepted', () => {
  for (const [word, status] of [
    ['started', 'started'],
    ['in_progress', 'started'],
    ['success', 'succeeded'],
    ['FAILURE', 'failed'],
    ['error', 'failed'],
  ] as const) {
    expect(genericToDeploy({ ...example, status: word }).status).toBe(status);
  }
});

test('missing required fields and a bad SHA are reported by name', () => {
  try {
    genericToDeploy({ service: 'checkout', status: 'done', sha: 'not-a-sha' });
    expect.unreachable();
  } catch (error) {
    expect(error).toBeInstanceOf(ZodError);
    const paths = (error as ZodError).issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(
      expect.arrayContaining(['id', 'environment', 'version', 'status', 'sha']),
    );
  }
});
