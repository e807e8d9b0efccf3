import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { INGEST_TOKEN, startTestApp, type TestApp } from '../support/app.js';
import { fixture } from '../support/fixtures.js';

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

/** A real payload with one random change: a key dropped, a value replaced, a type swapped. */
function mutated(seed: unknown): fc.Arbitrary<unknown> {
  const paths: (string | number)[][] = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value))
        walk(v, [...path, Array.isArray(value) ? Number(k) : k]);
  };
  walk(seed, []);
  return fc
    .tuple(
      fc.constantFrom(...paths),
      fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.string({ maxLength: 500 })),
    )
    .map(([path, replacement]) => {
      const copy = structuredClone(seed) as Record<string | number, unknown>;
      if (path.length === 0) return replacement;
      let parent: Record<string | number, unknown> = copy;
      for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
      const last = path[path.length - 1] as string | number;
      if (replacement === undefined) delete parent[last];
      else parent[last] = replacement;
      return copy;
    });
}

const bodies = (seeds: unknown[]) =>
  fc.oneof(
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 1000 }),
    ...seeds.map((seed) => mutated(seed).map((v) => JSON.stringify(v) ?? '')),
  );

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
