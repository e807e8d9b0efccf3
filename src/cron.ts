import cron from 'node-cron';
import type { Logger } from 'pino';

export interface Job {
  name: string;
  /** node-cron expression (seconds field optional), evaluated in UTC. */
  schedule: string;
  run: () => Promise<void> | void;
}

export interface Jobs {
  start(): void;
  stop(): Promise<void>;
}

/**
 * One node-cron task per job. Due times live in SQLite and each job sweeps what is due, so a
 * restart loses nothing and a slow sweep is skipped rather than run twice (noOverlap).
 */
export function startableJobs(jobs: readonly Job[], log: Logger): Jobs {
  const tasks = jobs.map((job) =>
    cron.createTask(
      job.schedule,
      async () => {
        try {
          await job.run();
        } catch (error) {
          log.error({ err: error, job: job.name }, 'scheduled job failed');
        }
      },
      { name: job.name, noOverlap: true, timezone: 'UTC' },
    ),
  );
  return {
    start() {
      for (const task of tasks) task.start();
    },
    async stop() {
      for (const task of tasks) await task.destroy();
    },
  };
}
