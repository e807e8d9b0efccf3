import { afterEach, expect, test } from 'vitest';
import { fixture } from '../support/fixtures.js';
import { startGithubIssues } from './trackers/github-issues.js';
import { startJira } from './trackers/jira.js';

// The tracker emulators answer in the shapes of the recorded and documented examples.

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const keys = (value: unknown) => Object.keys(value as object).sort();

test('GitHub Issues: create answers 201 with the documented issue fields; the list finds it', async () => {
  const github = await startGithubIssues({ token: 't', repos: ['acme/ops'] });
  closers.push(github.close);
  const headers = { authorization: 'Bearer t', 'content-type': 'application/json' };
  const created = await fetch(`${github.url}/repos/acme/ops/issues`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ title: 'T', body: 'B' }),
  });
  expect(created.status).toBe(201);
  const issue = (await created.json()) as Record<string, unknown>;
  expect(keys(issue)).toEqual(keys(fixture('github/issues/create-issue.response.json')));
  expect(issue).toMatchObject({ number: 1, title: 'T', body: 'B', state: 'open' });
  const listed = await fetch(`${github.url}/repos/acme/ops/issues?state=all`, { headers });
  expect(((await listed.json()) as { number: number }[]).map((i) => i.number)).toEqual([1]);
  expect(
    (
      await fetch(`${github.url}/repos/acme/other/issues`, {
        method: 'POST',
        headers,
        body: '{}',
      })
    ).status,
  ).toBe(404);
  expect((await fetch(`${github.url}/repos/acme/ops/issues`, { method: 'POST' })).status).toBe(401);
});

test('Jira: create answers 201 {id, key, self}; the JQL search answers like the documented one', async () => {
  const jira = await startJira({ email: 'a@b.example', token: 't', projects: { OPS: ['Task'] } });
  closers.push(jira.close);
  const headers = {
    authorization: `Basic ${Buffer.from('a@b.example:t').toString('base64')}`,
    'content-type': 'application/json',
  };
  const body = (description: unknown) =>
    JSON.stringify({
      fields: {
        project: { key: 'OPS' },
        issuetype: { name: 'Task' },
        summary: 'S',
        description,
        labels: ['m1'],
      },
    });
  const refused = await fetch(`${jira.url}/rest/api/3/issue`, {
    method: 'POST',
    headers,
    body: body('plain text is v2, not v3'),
  });
  expect(refused.status).toBe(400);
  expect(keys(await refused.json())).toEqual(keys(fixture('jira/create-issue.400.json')));
  const created = await fetch(`${jira.url}/rest/api/3/issue`, {
    method: 'POST',
    headers,
    body: body({ type: 'doc', version: 1, content: [] }),
  });
  expect(created.status).toBe(201);
  const answer = (await created.json()) as { key: string };
  const documented = keys(fixture('jira/create-issue.response.json')).filter(
    (k) => k !== 'transition',
  );
  expect(keys(answer)).toEqual(documented);
  expect(answer.key).toBe('OPS-1');
  const search = await fetch(`${jira.url}/rest/api/3/search/jql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jql: 'project = "OPS" AND labels = "m1"', maxResults: 1 }),
  });
  const found = (await search.json()) as { issues: { key: string }[] };
  const sample = fixture<{ issues: unknown[] }>('jira/search-jql.response.json');
  expect(keys(found)).toEqual(keys(sample));
  expect(keys(found.issues[0])).toEqual(keys(sample.issues[0]));
  expect(found.issues[0]?.key).toBe('OPS-1');
});
