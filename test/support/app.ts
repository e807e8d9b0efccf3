import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { type AppOptions, createApp, type FirebreakApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { type SlackEmulator, startSlackEmulator } from '../emulators/slack.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const INGEST_TOKEN = 'test-ingest-token-0123456789';
export const API_TOKEN = 'test-api-token-0123456789abc';

export interface TestApp {
  app: FirebreakApp;
  config: Config;
  slack: SlackEmulator;
  /** http://127.0.0.1:PORT of the bot. */
  base: string;
  dir: string;
  dbPath: string;
  /** POSTs JSON with the ingest token (or the headers given). */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  /** Turns accepted alerts into incidents and delivers every Slack effect; false on timeout. */
  settle(timeoutMs?: number): Promise<boolean>;
  /** Stops the bot; `keepDir` leaves the SQLite file for a restart. */
  stop(options?: { keepDir?: boolean; keepSlack?: boolean }): Promise<void>;
  /** Stops and starts the bot again on the same database (the crash/restart tests). */
  restart(): Promise<TestApp>;
}

export interface TestAppOptions {
  /** YAML written to firebreak.yaml. */
  configYaml?: string;
  env?: Record<string, string | undefined>;
  slack?: SlackEmulator;
  dir?: string;
  app?: Partial<AppOptions>;
}

/** The real bot (real SQLite file, real Bolt receiver, real WebClient) against the Slack emulator. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const slack = options.slack ?? (await startSlackEmulator());
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'firebreak-test-'));
  const dbPath = join(dir, 'firebreak.db');
  const configPath = join(dir, 'firebreak.yaml');
  if (options.configYaml !== undefined) writeFileSync(configPath, options.configYaml);
  const env = {
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_PATH: dbPath,
    FIREBREAK_CONFIG: configPath,
    INGEST_TOKEN,
    API_TOKEN,
    LOG_LEVEL: 'silent',
    // As in production (loadConfig(process.env)): what a rollback command inherits.
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...options.env,
  };
  const config = loadConfig(env);
  const app = createApp(config, {
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    slackMinPostIntervalMs: 0,
    slackTimeoutMs: 5000,
    // Slack's minute shrunk to a second, as tests shrink the emulator's (which is off by default).
    slackMinuteMs: 1000,
    outbox: { pollMs: 25, baseDelayMs: 25, maxDelayMs: 250, rerunDelayMs: 10 },
    cron: false,
    ...options.app,
  });
  const { port } = await app.start();
  const base = `http://127.0.0.1:${port}`;
  const testApp: TestApp = {
    app,
    config,
    slack,
    base,
    dir,
    dbPath,
    post: (path, body, headers) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${INGEST_TOKEN}`,
          ...headers,
        },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    get: (path, headers) => fetch(`${base}${path}`, { headers }),
    async settle(timeoutMs = 10_000) {
      await app.inbox.drain(timeoutMs);
      return app.outbox.drain(timeoutMs);
    },
    async stop({ keepDir = false, keepSlack = false } = {}) {
      await app.stop({ timeoutMs: 5000 });
      if (!options.slack && !keepSlack) await slack.close();
      if (!keepDir && !options.dir) rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await testApp.stop({ keepDir: true, keepSlack: true });
      return startTestApp({ ...options, slack, dir });
    },
  };
  return testApp;
}

/** Polls until `check` returns a truthy value (or throws after `timeoutMs`). */
export async function eventually<T>(
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}
