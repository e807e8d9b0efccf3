import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { INGEST_TOKEN, startTestApp, type TestApp } from '../support/app.js';
import { fixture } from '../support/fixtures.js';
import { bodies } from '../support/fuzz.js';

// Deploy events from outside are accepted or refused with a 4xx, never a 5xx: random JSON,
// random bytes, and real payloads with one random change. The GitHub ones are signed correctly,
// so they reach the parser.

const GITHUB_SECRET = 'fuzz-github-secret-0123456789';
const RUNS = Number(process.env.FUZZ_RUNS ?? 100);

let bot: TestApp;
beforeAll(async () => {
  bot = await startTestApp({
    configYaml: 'services:\n  hello: { aliases: [Codertocat/Hello-World] }\n',
    env: { GITHUB_WEBHOOK_SECRET: GITHUB_SECRET },
  });
});
afterAll(async () => bot.stop());

const argocdSeed = {
  app: 'checkout-prod',
  appNamespace: 'argocd',
  labels: { 'firebreak/service': 'checkout' },
  operationState: {
    phase: 'Succeeded',
    startedAt: '2026-11-22T10:00:00Z',
    finishedAt: '2026-11-22T10:01:00Z',
    syncResult: { revision: 'f3937462080c6946ff5ec4b5fa393e7c22388e4c' },
    operation: { initiatedBy: { username: 'dana' } },
  },
  history: [{ id: 4, revision: 'f3937462080c6946ff5ec4b5fa393e7c22388e4c' }],
};
const genericSeed = {
  id: 'd-1',
  service: 'checkout',
  environment: 'production',
  status: 'succeeded',
  version: 'v1',
  sha: 'abcdef1234567',
  rollback: { revision: '17' },
};

test.each([
  ['/webhooks/deploys', [genericSeed]],
  ['/webhooks/argocd', [argocdSeed]],
] as const)('%s: random and mutated payloads never get a 5xx', async (path, seeds) => {
  await fc.assert(
    fc.asyncProperty(bodies([...seeds]), async (body) => {
      const res = await fetch(`${bot.base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
        body,
      });
      await res.text();
      expect(res.status, body.slice(0, 200)).toBeLessThan(500);
    }),
    { numRuns: RUNS },
  );
});

test('/webhooks/github: signed random and mutated deployment_status payloads never get a 5xx', async () => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(bodies([fixture('github/deployment_status/payload.json')]), async (body) => {
      const res = await fetch(`${bot.base}/webhooks/github`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'deployment_status',
          'x-github-delivery': `fuzz-${n++}`,
          'x-hub-signature-256': `sha256=${createHmac('sha256', GITHUB_SECRET).update(body).digest('hex')}`,
        },
        body,
      });
      await res.text();
      expect(res.status, body.slice(0, 200)).toBeLessThan(500);
    }),
    { numRuns: RUNS },
  );
});
