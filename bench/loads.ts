// The loads the benchmarks send, and how they start the bot: shared so that ingest.ts, storm.ts,
// profile.ts and speed.ts measure the same thing.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { freePort, startChild } from './lib.js';

export const BENCH_TOKEN = 'bench-ingest-token-0123456789';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  total: number;
}

/**
 * One alert per request for `seconds` on `connections` connections, every alert new (a distinct
 * dedupe key) and spread over 50 groups: 50 incidents at most.
 */
export async function alertLoad(
  url: string,
  headers: Record<string, string>,
  options: { connections: number; seconds: number; prefix?: string },
): Promise<LoadResult> {
  let n = 0;
  const prefix = options.prefix ?? 'bench';
  const result = await autocannon({
    url,
    method: 'POST',
    connections: options.connections,
    duration: options.seconds,
    headers: { 'content-type': 'application/json', ...headers },
    requests: [
      {
        setupRequest: (req) => {
          n++;
          req.body = JSON.stringify({
            dedupeKey: `${prefix}-${n}`,
            group: `group-${n % 50}`,
            title: `Bench alert group ${n % 50}`,
            service: `svc-${n % 50}`,
            severity: 'warning',
          });
          return req;
        },
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
    total: result.requests.total,
  };
}

export const STORM = { groups: 50, notifications: 200, perNotification: 50 } as const;

/** One Alertmanager notification of the storm: 50 alerts of one of its 50 groups. */
const stormNotification = (n: number) => ({
  version: '4',
  groupKey: `{}:{alertname="Storm${n % STORM.groups}"}`,
  status: 'firing',
  alerts: Array.from({ length: STORM.perNotification }, (_, i) => ({
    status: 'firing',
    labels: { alertname: `Storm${n % STORM.groups}`, severity: 'critical', pod: `pod-${n}-${i}` },
    annotations: { summary: `Storm in group ${n % STORM.groups}` },
    startsAt: new Date().toISOString(),
    fingerprint: `fp-${n}-${i}`,
  })),
});

/** The storm's 200 notifications from 10 senders at once; the time until every one got its 202. */
export async function sendStorm(url: string, headers: Record<string, string>): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < STORM.notifications) {
        const body = JSON.stringify(stormNotification(next++));
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body,
        });
        if (res.status !== 202) throw new Error(`refused: ${res.status}`);
        await res.arrayBuffer();
      }
    }),
  );
  return performance.now() - started;
}

/**
 * The built bot (`node bin/firebreak.js serve`) on a new database in `dir`, talking to the Slack
 * emulator at `slackApiUrl`, with the cap on new incidents lifted: the benchmarks open 50 groups
 * in seconds, and each should get its own incident as before the cap existed.
 */
export async function startBot(
  dir: string,
  slackApiUrl: string,
  options: { nodeArgs?: string[] } = {},
) {
  const configPath = join(dir, 'firebreak.yaml');
  writeFileSync(configPath, 'incidents:\n  maxNewPerMinute: 1000\n');
  const dbPath = join(dir, 'bot.db');
  const child = await startChild(
    [...(options.nodeArgs ?? []), 'bin/firebreak.js', 'serve'],
    {
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: 'bench-signing-secret',
      SLACK_API_URL: slackApiUrl,
      DATABASE_PATH: dbPath,
      FIREBREAK_CONFIG: configPath,
      INGEST_TOKEN: BENCH_TOKEN,
      LOG_LEVEL: 'error',
    },
    await freePort(),
  );
  return { ...child, dbPath };
}
