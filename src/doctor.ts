import { existsSync, readFileSync, statSync } from 'node:fs';
import { api } from '@pagerduty/pdjs';
import { WebClient } from '@slack/web-api';
import { parse as parseYaml } from 'yaml';
import { ConfigError, loadConfig } from './config.js';
import { packagePath } from './paths.js';
import { migrationsApplied, openDb, shippedMigrations } from './store/sqlite.js';

export interface Check {
  name: string;
  ok: boolean;
  /** What was found, or what to do about it, in plain words. */
  detail: string;
}

const MANIFEST = packagePath('manifests', 'slack-app.yaml');

/** The bot scopes the app manifest asks for (the manifest test keeps it equal to what the code uses). */
export function manifestScopes(path = MANIFEST): string[] {
  if (!existsSync(path)) return [];
  const manifest = parseYaml(readFileSync(path, 'utf8')) as {
    oauth_config?: { scopes?: { bot?: string[] } };
  };
  return manifest.oauth_config?.scopes?.bot ?? [];
}

/** The database and its WAL files whose mode lets any user of the machine read or write them. */
function worldAccessible(databasePath: string): string[] {
  return [databasePath, `${databasePath}-wal`, `${databasePath}-shm`].filter(
    (path) => existsSync(path) && (statSync(path).mode & 0o007) !== 0,
  );
}

/**
 * `firebreak doctor`: checks what an operator would otherwise find out at 2 a.m. — the
 * configuration, the database, the Slack token and its scopes, the announce channel, and
 * PagerDuty — and says what is missing in plain words.
 */
export async function doctor(env: Record<string, string | undefined>): Promise<Check[]> {
  const checks: Check[] = [];
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env);
    const file = existsSync(config.configPath)
      ? config.configPath
      : `${config.configPath} (absent: defaults)`;
    checks.push({
      name: 'configuration',
      ok: true,
      detail: `environment valid; config file ${file}`,
    });
  } catch (error) {
    checks.push({
      name: 'configuration',
      ok: false,
      detail: error instanceof ConfigError ? error.message : String(error),
    });
    return checks;
  }

  try {
    const { sqlite, close } = openDb(config.databasePath);
    const ok = migrationsApplied(sqlite, shippedMigrations());
    const incidents = (sqlite.prepare('SELECT count(*) AS n FROM incidents').get() as { n: number })
      .n;
    const pending = (
      sqlite.prepare("SELECT count(*) AS n FROM outbox WHERE status = 'pending'").get() as {
        n: number;
      }
    ).n;
    const failed = (
      sqlite.prepare("SELECT count(*) AS n FROM outbox WHERE status = 'failed'").get() as {
        n: number;
      }
    ).n;
    close();
    checks.push({
      name: 'database',
      ok,
      detail: `${config.databasePath}: ${ok ? 'migrated' : 'migrations missing'}, ${incidents} incidents, ${pending} Slack/PagerDuty effects pending, ${failed} failed`,
    });
    const open = worldAccessible(config.databasePath);
    if (open.length > 0)
      checks.push({
        name: 'database files',
        ok: false,
        detail: `${open.join(', ')} can be read by every user of this machine; run chmod 600 on them (firebreak creates them 0600, older versions did not)`,
      });
  } catch (error) {
    checks.push({
      name: 'database',
      ok: false,
      detail: `cannot open ${config.databasePath}: ${(error as Error).message}. Check the path and that the directory is writable.`,
    });
  }

  const slack = new WebClient(config.slack.botToken, {
    slackApiUrl: config.slack.apiUrl,
    retryConfig: { retries: 0 },
    timeout: 10_000,
  });
  try {
    const me = await slack.auth.test();
    checks.push({
      name: 'slack token',
      ok: true,
      detail: `bot ${me.user} in ${me.team} (${me.url ?? config.slack.apiUrl})`,
    });
    const granted = new Set(me.response_metadata?.scopes ?? []);
    const wanted = manifestScopes();
    const missing = wanted.filter((s) => !granted.has(s));
    checks.push({
      name: 'slack scopes',
      ok: missing.length === 0,
      detail:
        missing.length === 0
          ? `all ${wanted.length} scopes of manifests/slack-app.yaml granted`
          : `missing ${missing.join(', ')}: add them under OAuth & Permissions (or re-create the app from manifests/slack-app.yaml) and reinstall the app`,
    });
    const announce = config.file.incidents.announceChannel;
    if (announce) {
      try {
        const info = await slack.conversations.info({ channel: announce });
        const member = info.channel?.is_member;
        checks.push({
          name: 'announce channel',
          ok: true,
          detail: `#${info.channel?.name ?? announce}${member ? '' : ' (the bot is not a member yet; it joins public channels by itself, invite it to a private one)'}`,
        });
      } catch (error) {
        checks.push({
          name: 'announce channel',
          ok: false,
          detail: `${announce}: ${slackError(error)}. Check incidents.announceChannel is a channel id (C…) the bot can see.`,
        });
      }
    }
  } catch (error) {
    checks.push({
      name: 'slack token',
      ok: false,
      detail: `auth.test failed: ${slackError(error)}. Check SLACK_BOT_TOKEN (xoxb-…) and that ${config.slack.apiUrl} is reachable.`,
    });
  }

  if (config.pagerDuty.token) {
    try {
      const pd = api({ token: config.pagerDuty.token, requestTimeout: 0, retryTimeout: 0 });
      const response = await pd.get('/abilities', { url: `${config.pagerDuty.apiUrl}/abilities` });
      checks.push({
        name: 'pagerduty',
        ok: response.ok,
        detail: response.ok
          ? `REST API reachable at ${config.pagerDuty.apiUrl}`
          : `REST API answered ${response.status}: check PAGERDUTY_TOKEN`,
      });
    } catch (error) {
      checks.push({
        name: 'pagerduty',
        ok: false,
        detail: `cannot reach ${config.pagerDuty.apiUrl}: ${(error as Error)?.message ?? String(error)}`,
      });
    }
  } else {
    checks.push({ name: 'pagerduty', ok: true, detail: 'off (PAGERDUTY_TOKEN unset)' });
  }

  checks.push({
    name: 'webhooks',
    ok: Boolean(config.ingestToken),
    detail: config.ingestToken
      ? 'INGEST_TOKEN set: alert and deploy webhooks accept callers that present it'
      : 'INGEST_TOKEN unset: /webhooks/alertmanager, /grafana, /alerts, /argocd and /deploys refuse everything',
  });
  return checks;
}

function slackError(error: unknown): string {
  const e = error as { data?: { error?: string }; message?: string };
  return e.data?.error ?? e.message ?? String(error);
}
