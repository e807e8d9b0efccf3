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
  // It ends with the owner's App Home, as published.
  const home = text.slice(text.indexOf("Dana opens firebreak's Home tab"));
  expect(home).toContain('# 🔥 firebreak');
  expect(home).toContain('[Declare incident]');
  expect(home).toMatch(/# Deploy freezes \(\d+\)/);
  expect(home).toContain('# Deploys of your services');
  expect(home).toContain('v2.3.0 to production');
}, 120_000);
