import cron from 'node-cron';
import type { Logger } from 'pino';

export interface Job {
  name: string;
  /** node-cron expression (seconds field optional), evaluated in UTC. */
  schedule: string;
  run: () => Promise<void>;
}

/** A named lock shared by every process that runs the jobs (the database implements it). */
export interface TickLock {
  tryLock(name: string): Promise<boolean>;
  unlock(name: string): Promise<void>;
}

/**
 * Each tick of each job runs only while it holds the lock named after the job, so the sweeps
 * can be scheduled in every replica and still run in one at a time. A tick that finds the lock
 * taken is skipped: the holder is sweeping.
 */
export function underLock(jobs: readonly Job[], lock: TickLock): Job[] {
  return jobs.map((job) => {
    const name = `job:${job.name}`;
    return {
      ...job,
      run: async () => {
        if (!(await lock.tryLock(name))) return;
        try {
          await job.run();
        } finally {
          await lock.unlock(name);
        }
      },
    };
  });
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
