// What both demos share: the secrets, the terminal helpers, the bot against the emulators on
// loopback, and the transcript that prints each new Slack message once.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { SlackEmulator } from '../test/emulators/slack.js';
import { renderBlocks } from './demo-render.js';

export const ROOT = join(import.meta.dirname, '..');
export const SIGNING_SECRET = 'demo-signing-secret-0123456789';
export const INGEST_TOKEN = 'demo-ingest-token-0123456789';
export const API_TOKEN = 'demo-api-token-0123456789abcd';

// Colours only on a terminal (and never with NO_COLOR), so a piped transcript stays plain text.
const colour = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
export const bold = (s: string) => (colour ? `\x1b[1m${s}\x1b[0m` : s);
export const dim = (s: string) => (colour ? `\x1b[2m${s}\x1b[0m` : s);
export const step = (s: string) => console.log(`\n${bold(`▶ ${s}`)}`);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A new, empty demo directory (the SQLite file stays there to inspect). */
export function freshDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}

/**
 * The real bot on a free loopback port, with `configYaml` as its firebreak.yaml in `dir`,
 * talking to the Slack emulator (and whatever `env` points at). `post` sends an authenticated
 * webhook and prints its status; `settle` waits for the inbox and outbox, then prints what
 * Slack now shows.
 */
export async function startDemoBot(options: {
  slack: SlackEmulator;
  dir: string;
  configYaml: string;
  env?: Record<string, string>;
  /** The sweeps run as in production (deadlines); off: the script drives everything. */
  cron: boolean;
  /** The first line: the demo's name, then what runs where. */
  title: string;
  setting: string;
}) {
  const { slack, dir } = options;
  writeFileSync(join(dir, 'firebreak.yaml'), options.configYaml);
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-demo',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_PATH: join(dir, 'firebreak.db'),
    FIREBREAK_CONFIG: join(dir, 'firebreak.yaml'),
    INGEST_TOKEN,
    API_TOKEN,
    LOG_LEVEL: 'silent',
    // The rollback command gets these two from the bot's environment (and nothing else of it).
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...options.env,
  });
  const app = createApp(config, {
    log: pino({ level: 'silent' }),
    slackMinPostIntervalMs: 50,
    outbox: { pollMs: 25, baseDelayMs: 100, maxDelayMs: 1000, rerunDelayMs: 100 },
    cron: options.cron,
  });
  const { port } = await app.start();
  const base = `http://127.0.0.1:${port}`;
  const transcript = createTranscript(slack);
  console.log(bold(options.title) + dim(` — bot on ${base}, ${options.setting}`));

  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
      body: JSON.stringify(body),
    });
    console.log(dim(`  POST ${path} → ${res.status}`));
    return res;
  };
  const settle = async () => {
    await app.inbox.drain(5000);
    await app.outbox.drain(15_000);
    await sleep(100);
    transcript.flush();
  };
  return { app, base, post, settle, transcript };
}

/** Prints each new Slack message once, in order, as "#channel  who: text". */
function createTranscript(slack: SlackEmulator) {
  const seen = new Set<string>();
  return {
    flush() {
      for (const channel of slack.state.channels.values()) {
        for (const message of slack.messages(channel.id)) {
          const key = `${channel.id}:${message.ts}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const who = message.user === slack.botUserId ? 'firebreak' : message.user;
          const where = `#${channel.name}${message.thread_ts ? ' (thread)' : ''}`;
          const body = message.blocks?.length
            ? renderBlocks(message.blocks, '      ')
            : `      ${message.text}`;
          console.log(`  ${bold(where)}  ${dim(who)}\n${body}`);
        }
      }
    },
  };
}
