import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { API_TOKEN, eventually, startTestApp, type TestApp } from '../support/app.js';

// The published Argo Rollouts AnalysisTemplate and Flagger Canary: parsed, checked to point at
// the real route and query, and the exact request each tool would send made against the bot.

const ROOT = join(import.meta.dirname, '../..');
const yamlDocs = (path: string) =>
  parseAllDocuments(readFileSync(join(ROOT, path), 'utf8')).map((d) => {
    expect(d.errors, path).toEqual([]);
    return d.toJS() as Record<string, unknown>;
  });

interface AnalysisTemplate {
  kind: string;
  spec: {
    args: {
      name: string;
      value?: string;
      valueFrom?: { secretKeyRef: { name: string; key: string } };
    }[];
    metrics: {
      name: string;
      failureLimit: number;
      successCondition: string;
      provider: {
        web: {
          url: string;
          method?: string;
          headers: { key: string; value: string }[];
          jsonPath: string;
        };
      };
    }[];
  };
}

interface Canary {
  kind: string;
  spec: {
    analysis: {
      webhooks: { name: string; type: string; url: string; metadata?: Record<string, string> }[];
    };
  };
}

const argo = yamlDocs(
  'manifests/argo-rollouts/analysis-template.yaml',
)[0] as unknown as AnalysisTemplate;
const flagger = yamlDocs('manifests/flagger/canary.yaml')[0] as unknown as Canary;

let bot: TestApp;
beforeAll(async () => {
  bot = await startTestApp({
    configYaml: `
incidents:
  autoResolve: true
services:
  checkout:
    environments: { production: {} }
deploys:
  gateBlocksOnIncident: sev2
`,
  });
});
afterAll(async () => {
  await bot?.stop();
});

/** Argo's `{{args.name}}` substitution, with the values a Rollout and its cluster would give. */
function argoRequest(given: Record<string, string>) {
  const args = Object.fromEntries(
    argo.spec.args.map((a) => [a.name, given[a.name] ?? a.value ?? '']),
  );
  const fill = (text: string) =>
    text.replace(/\{\{\s*args\.([a-z0-9-]+)\s*\}\}/g, (_, name: string) => {
      expect(Object.keys(args), `unknown arg ${name}`).toContain(name);
      return args[name] ?? '';
    });
  const [metric] = argo.spec.metrics;
  if (!metric) throw new Error('no metric');
  const web = metric.provider.web;
  return {
    metric,
    url: fill(web.url),
    method: web.method ?? 'GET',
    headers: Object.fromEntries(web.headers.map((h) => [h.key, fill(h.value)])),
  };
}

/** Argo's evaluation of this template's web metric: jsonPath `{$.field}`, then successCondition. */
async function measure(given: Record<string, string>) {
  const { metric, url, method, headers } = argoRequest(given);
  const res = await fetch(url, { method, headers });
  // The web provider: a non-2xx answer is an Error measurement.
  if (res.status < 200 || res.status > 299) return 'Error';
  const field = /^\{\$\.([a-zA-Z]+)\}$/.exec(metric.provider.web.jsonPath)?.[1];
  const result = ((await res.json()) as Record<string, unknown>)[field ?? ''];
  expect(metric.successCondition).toBe('result == true');
  return result === true ? 'Successful' : 'Failed';
}

const openIncident = async (dedupeKey: string, severity: string, service = 'checkout') => {
  expect(
    (
      await bot.post('/webhooks/alerts', {
        dedupeKey,
        title: `${service} errors`,
        service,
        environment: 'production',
        severity,
        status: 'firing',
      })
    ).status,
  ).toBe(202);
  await bot.app.inbox.drain(5000);
};
const resolveIncident = async (dedupeKey: string) => {
  await bot.post('/webhooks/alerts', { dedupeKey, title: 'x', status: 'resolved' });
  await bot.app.inbox.drain(5000);
};

test('the AnalysisTemplate asks the analysis gate for its service and environment, answer=json, and fails a measurement while an incident is open', async () => {
  expect(argo.kind).toBe('AnalysisTemplate');
  const [metric] = argo.spec.metrics;
  expect(metric?.failureLimit).toBe(0);
  const { url, headers } = argoRequest({
    service: 'checkout',
    'firebreak-url': bot.base,
    'api-token': API_TOKEN,
  });
  const parsed = new URL(url);
  expect(parsed.pathname).toBe('/api/v1/gates/analysis');
  expect(Object.fromEntries(parsed.searchParams)).toEqual({
    service: 'checkout',
    environment: 'production',
    fix: '',
    deploy: '',
    answer: 'json',
  });
  expect(headers).toEqual({ Authorization: `Bearer ${API_TOKEN}` });
  // The secret the token comes from is named in the template.
  expect(argo.spec.args.find((a) => a.name === 'api-token')?.valueFrom?.secretKeyRef).toEqual({
    name: 'firebreak-gate',
    key: 'token',
  });

  const rollout = { service: 'checkout', 'firebreak-url': bot.base, 'api-token': API_TOKEN };
  expect(await measure(rollout)).toBe('Successful');
  await openIncident('argo-1', 'critical');
  await eventually(async () => (await measure(rollout)) === 'Failed');
  // The rollout that is the fix keeps measuring Successful.
  expect(await measure({ ...rollout, fix: 'INC-1', deploy: 'checkout-7d9f' })).toBe('Successful');
  await resolveIncident('argo-1');
  await eventually(async () => (await measure(rollout)) === 'Successful');
});

test('the Flagger webhooks POST to the analysis gate and halt (non-2xx) while an incident is open', async () => {
  expect(flagger.kind).toBe('Canary');
  const hooks = flagger.spec.analysis.webhooks;
  expect(hooks.map((h) => h.type).sort()).toEqual(['pre-rollout', 'rollout']);
  await eventually(async () => {
    const res = await fetch(`${bot.base}/api/v1/gates/analysis?service=checkout`);
    return res.status === 200;
  });
  const call = (hook: (typeof hooks)[number]) => {
    const url = new URL(hook.url);
    expect(url.pathname).toBe('/api/v1/gates/analysis');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      service: 'checkout',
      environment: 'production',
    });
    // What Flagger sends: a POST with its documented JSON payload, no extra headers.
    return fetch(`${bot.base}${url.pathname}${url.search}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'checkout',
        namespace: 'checkout',
        phase: 'Progressing',
        metadata: hook.metadata ?? {},
      }),
    });
  };
  for (const hook of hooks) expect((await call(hook)).status).toBe(200);
  await openIncident('flagger-1', 'error');
  for (const hook of hooks) {
    const res = await eventually(async () => {
      const r = await call(hook);
      return r.status === 423 && r;
    });
    expect(((await res.json()) as { reason: string }).reason).toMatch(/^INC-\d+ \(sev2\) is open/);
  }
  // Another service's incident does not halt checkout's canary.
  await resolveIncident('flagger-1');
  await openIncident('flagger-2', 'critical', 'search');
  for (const hook of hooks) await eventually(async () => (await call(hook)).status === 200);
});
