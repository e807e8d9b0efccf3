import { expect, test } from 'vitest';
import { ZodError } from 'zod';
import { githubDeploymentStatusToDeploy } from '../../src/ingest/github-deploy.js';
import { fixture } from '../support/fixtures.js';

type Json = Record<string, unknown>;

test('a real deployment_status (success) becomes a succeeded deploy of the repository', () => {
  const deploy = githubDeploymentStatusToDeploy(fixture('github/deployment_status/payload.json'));
  expect(deploy).toMatchObject({
    source: 'github',
    sourceId: 'Codertocat/Hello-World#145988746',
    serviceNames: ['Codertocat/Hello-World', 'Hello-World'],
    environment: 'production',
    status: 'succeeded',
    // ref is the default branch (master), so the version is the short SHA.
    version: 'f95f852bd8fc',
    sha: 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e',
    actor: 'Codertocat',
    url: null,
    repositoryUrl: 'https://github.com/Codertocat/Hello-World',
    isRollback: false,
  });
  expect(deploy?.startedAt?.toISOString()).toBe('2019-05-15T15:20:53.000Z');
  expect(deploy?.finishedAt?.toISOString()).toBe('2019-05-15T15:20:55.000Z');
});

test('the GitHub Pages sample (in_progress, log_url) is a running deploy with its log link', () => {
  const deploy = githubDeploymentStatusToDeploy(
    fixture('github/deployment_status/gh-pages.payload.json'),
  );
  expect(deploy).toMatchObject({
    status: 'started',
    environment: 'github-pages',
    actor: 'github-pages[bot]',
    url: 'https://github.com/CorsixTH/CorsixTH/runs/4687056418?check_suite_focus=true',
    finishedAt: null,
  });
});

test('the with-installation sample parses the same as the plain one', () => {
  const a = githubDeploymentStatusToDeploy(fixture('github/deployment_status/payload.json'));
  const b = githubDeploymentStatusToDeploy(
    fixture('github/deployment_status/with-installation.payload.json'),
  );
  expect(b).toEqual(a);
});

test('payload fields (service, version, rollback handle) win when the creator set them', () => {
  const body = fixture<Json>('github/deployment_status/payload.json');
  const deployment = body.deployment as Json;
  const withPayload = {
    ...body,
    deployment: {
      ...deployment,
      ref: 'v2.3.1',
      // GitHub keeps a string payload as the creator sent it.
      payload: JSON.stringify({ service: 'checkout', rollback: { revision: 17 } }),
    },
  };
  expect(githubDeploymentStatusToDeploy(withPayload)).toMatchObject({
    serviceNames: ['checkout', 'Codertocat/Hello-World', 'Hello-World'],
    version: 'v2.3.1',
    rollbackHandle: { revision: '17' },
  });
});

test('failure and error are failed deploys; inactive and lock tasks are not news', () => {
  const body = fixture<Json>('github/deployment_status/payload.json');
  const withState = (state: string, task = 'deploy') => ({
    ...body,
    deployment_status: { ...(body.deployment_status as Json), state },
    deployment: { ...(body.deployment as Json), task },
  });
  expect(githubDeploymentStatusToDeploy(withState('failure'))?.status).toBe('failed');
  expect(githubDeploymentStatusToDeploy(withState('error'))?.status).toBe('failed');
  expect(githubDeploymentStatusToDeploy(withState('queued'))?.status).toBe('started');
  expect(githubDeploymentStatusToDeploy(withState('inactive'))).toBeNull();
  expect(githubDeploymentStatusToDeploy(withState('success', 'deploy:lock'))).toBeNull();
  expect(githubDeploymentStatusToDeploy(withState('success', 'deploy:rollback'))?.isRollback).toBe(
    true,
  );
});

test('a body that is not a deployment_status is refused with the field named', () => {
  try {
    githubDeploymentStatusToDeploy(fixture('github/ping/payload.json'));
    expect.unreachable();
  } catch (error) {
    expect(error).toBeInstanceOf(ZodError);
    expect((error as ZodError).issues.map((i) => i.path[0])).toContain('deployment');
  }
});
