import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

test('npm run demo plays a whole incident and leaves a verified record', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'scripts/demo.ts'],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '' },
      timeout: 90_000,
    },
  );
  // Not a terminal, so the transcript is plain text.
  const text = stdout;
  expect(text).toContain('#inc-1-high-5xx-error-rate-on-checkout');
  expect(text).toContain('[Roll back to v2.3.0]');
  expect(text).toContain('Rollback of *checkout* in *production* to *v2.3.0* succeeded');
  expect(text).toMatch(
    /gates\/deploy\?service=checkout&environment=production → 423, Retry-After: \d+/,
  );
  expect(text).toContain('Paged the on-call of *checkout*');
  expect(text).toContain('# INC-1: High 5xx error rate on checkout');
  expect(text).toContain('Confirmed cause: the deploy of checkout v2.3.1');
  expect(text).toMatch(/\d+ timeline events in \d+ hash chains, all intact/);
  // The follow-up exported to the GitHub emulator, and its link in the channel.
  expect(text).toContain(
    'GitHub: POST /repos/acme/checkout/issues → 201 #1 “[INC-1] Add a canary stage to checkout deploys”',
  );
  expect(text).toContain('is now acme/checkout#1 in GitHub');
  expect(text).toContain('Issue: https://github.com/acme/checkout/issues/1');
  // It ends with the owner's App Home, as published.
  const home = text.slice(text.indexOf("Dana opens firebreak's Home tab"));
  expect(home).toContain('# 🔥 firebreak');
  expect(home).toContain('[Declare incident]');
  expect(home).toMatch(/# Deploy freezes \(\d+\)/);
  expect(home).toContain('# Deploys of your services');
  expect(home).toContain('v2.3.0 to production');
}, 120_000);

test('npm run demo -- --auto shows the countdown, its Cancel, the automatic rollback and the freeze after it', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'scripts/demo.ts', '--auto'],
    { cwd: ROOT, env: { PATH: process.env.PATH ?? '' }, timeout: 90_000 },
  );
  const text = stdout;
  // The payments countdown, cancelled by Dana: nothing rolled back.
  expect(text).toMatch(
    /Rolling back \*payments\* in \*production\* from \*v4\.2\.0\* to \*v4\.1\.0\* in 5 s, at .+ \(in \d s\)/,
  );
  expect(text).toContain('[Cancel] [Roll back now]');
  expect(text).toContain('@dana cancelled the automatic rollback of *payments* in *production*');
  expect(text).toContain('nothing was rolled back (payments rollbacks: 0)');
  // The checkout countdown runs out: firebreak rolls back, then the freeze.
  expect(text).toContain(
    'firebreak (automatic rollback, `deploys.autoRollback`) is rolling back *checkout* in *production* from *v2.3.1* to *v2.3.0*',
  );
  expect(text).toContain('Rollback of *checkout* in *production* to *v2.3.0* succeeded');
  expect(text).toMatch(/gates\/deploy\?service=checkout&environment=production → 423/);
  expect(text).toContain('firebreak_auto_rollback_countdowns_total{outcome="executed"} 1');
  expect(text).toContain('firebreak_auto_rollback_countdowns_total{outcome="cancelled"} 1');
  expect(text).toMatch(
    /Automatic rollback of checkout \(production\): v2\.3\.1 → v2\.3\.0 scheduled/,
  );
  expect(text).toMatch(/\d+ timeline events in \d+ hash chains, all intact/);
}, 120_000);
