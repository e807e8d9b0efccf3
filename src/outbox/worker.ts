import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  type ClaimedItem,
  claim,
  complete,
  giveUp,
  type OutboxRow,
  outboxStats,
  releaseClaims,
  renewLease,
  reschedule,
} from '../store/outbox.js';
import type { Store } from '../store/unit-of-work.js';
import type { EffectHandler } from './effects.js';

/**
 * What a handler throws to say how its failure should be treated. Anything else thrown is
 * treated as transient and retried with backoff.
 */
export class DeliveryError extends Error {
  /** Retry no sooner than this (a 429's Retry-After, a backend's own pacing). */
  readonly retryAfterMs: number | undefined;
  /** Retrying cannot help (invalid request, missing permission): park the item as failed. */
  readonly permanent: boolean;
  /** Throttling is not a failure: it does not use up an attempt. */
  readonly throttled: boolean;
  constructor(
    message: string,
    options: {
      retryAfterMs?: number;
      permanent?: boolean;
      throttled?: boolean;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'DeliveryError';
    this.retryAfterMs = options.retryAfterMs;
    this.permanent = options.permanent ?? false;
    this.throttled = options.throttled ?? false;
  }
}

export interface WorkerOptions {
  store: Store;
  now: () => Date;
  log: Logger;
  /** One handler per kind (see defineEffect in ./effects.ts). */
  effects: readonly EffectHandler[];
  /** Lanes delivered at the same time. */
  concurrency?: number;
  /** How often to look for due items when nobody kicked the worker. */
  pollMs?: number;
  /** After this many failed attempts an item is parked as failed (about 1.5 h with the defaults). */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** How long a coalesced item waits before running again when more changes came in meanwhile. */
  rerunDelayMs?: number;
  /** Called when an item is given up, so the failure can be recorded and shown. */
  onGiveUp?: (item: OutboxRow, error: string) => void;
  onResult?: (kind: string, outcome: 'done' | 'retry' | 'failed', ms: number) => void;
  /**
   * Who this worker is, on the rows it claims. Must differ between workers sharing a database
   * and stay the same across restarts of one instance: at start a worker releases what its
   * previous run held, so a killed process's items run again at once instead of after the
   * lease. Defaults to the host name.
   */
  workerId?: string;
  /**
   * How long a claim holds without news from its worker (renewed every third of it while the
   * delivery runs); after that another worker takes the item over.
   */
  leaseMs?: number;
}

export interface OutboxWorker {
  start(): Promise<void>;
  /** Look for work now (called after a commit that enqueued something). */
  kick(): void;
  /** Stop taking new items and wait (bounded) for the running ones; the rest stays pending for the next start. */
  stop(timeoutMs?: number): Promise<void>;
  /** Deliver until nothing is pending, retries included (tests, the demo); false on timeout. */
  drain(timeoutMs?: number): Promise<boolean>;
  readonly running: number;
}

export function backoffMs(
  attempts: number,
  base: number,
  max: number,
  random = Math.random,
): number {
  const exp = Math.min(max, base * 2 ** Math.max(0, attempts));
  return Math.round(exp / 2 + (random() * exp) / 2);
}

export function createOutboxWorker(options: WorkerOptions): OutboxWorker {
  const { store, now, log } = options;
  const handlers = handlersByKind(options.effects);
  const concurrency = options.concurrency ?? 8;
  const pollMs = options.pollMs ?? 500;
  const maxAttempts = options.maxAttempts ?? 25;
  const baseDelayMs = options.baseDelayMs ?? 1000;
  const maxDelayMs = options.maxDelayMs ?? 5 * 60_000;
  const workerId = options.workerId ?? hostname();
  const leaseMs = options.leaseMs ?? 30_000;

  // The deliveries this worker is running, by outbox id, with the fence of their claim. Only a
  // count for concurrency and for stop/drain: one-per-lane comes from the claim in the database.
  const running = new Map<number, { fence: number; job: Promise<void> }>();
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let kicked = false;

  function schedule(delay: number) {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(scan, delay);
    timer.unref();
  }

  async function scan() {
    if (stopped) return;
    try {
      const free = concurrency - running.size;
      if (free > 0) {
        const items = await store.tx((tx) =>
          claim(tx, {
            workerId,
            now: now(),
            leaseNow: new Date(),
            leaseMs,
            limit: free,
          }),
        );
        for (const item of items) run(item);
      }
    } catch (error) {
      // A busy or failing database must not kill the loop; the next scan tries again.
      log.error({ err: error }, 'outbox scan failed');
    }
    schedule(pollMs);
  }

  /** Keeps the leases of running deliveries alive (a slow Slack call outlives one lease). */
  async function renewLeases() {
    const until = new Date(Date.now() + leaseMs);
    for (const [id, { fence }] of running) {
      try {
        if (!(await store.tx((tx) => renewLease(tx, id, fence, until))))
          log.warn({ outboxId: id, fence }, 'outbox lease lost; another worker took the item over');
      } catch (error) {
        log.error({ err: error, outboxId: id }, 'outbox lease renewal failed');
      }
    }
  }

  function run(item: ClaimedItem) {
    const mine = running.get(item.id);
    if (mine) {
      // Our own lease ran out while the delivery was still going (a stalled event loop) and we
      // claimed the item again: keep the one delivery, under the new claim.
      mine.fence = item.fence;
      return;
    }
    const started = Date.now();
    const handler = handlers.get(item.kind);
    const entry = { fence: item.fence, job: Promise.resolve() };
    entry.job = (async () => {
      if (!handler)
        throw new DeliveryError(`no handler for outbox kind ${item.kind}`, { permanent: true });
      // A payload the handler cannot read will not get better with retries: park it.
      const payload = handler.schema.safeParse(item.payload);
      if (!payload.success)
        throw new DeliveryError(`invalid ${item.kind} payload: ${oneLine(payload.error)}`, {
          permanent: true,
        });
      await handler.handle(payload.data, item);
    })()
      .then(
        async () => {
          if (
            !(await store.tx((tx) =>
              complete(tx, item.id, entry.fence, now(), options.rerunDelayMs ?? 3000),
            ))
          )
            return lostClaim(item, entry.fence);
          options.onResult?.(item.kind, 'done', Date.now() - started);
        },
        (error: unknown) => settleFailure(item, entry.fence, error, started),
      )
      .catch((error: unknown) =>
        log.error({ err: error, outboxId: item.id }, 'outbox bookkeeping failed'),
      )
      .finally(() => {
        running.delete(item.id);
        if (running.size === 0 && heartbeat) {
          clearInterval(heartbeat);
          heartbeat = undefined;
        }
        if (!stopped) setImmediate(scan);
      });
    running.set(item.id, entry);
    if (!heartbeat) {
      heartbeat = setInterval(renewLeases, Math.max(1, Math.floor(leaseMs / 3)));
      heartbeat.unref();
    }
  }

  function lostClaim(item: OutboxRow, fence: number) {
    // Another worker took the item over after our lease ran out; its outcome stands.
    log.warn({ outboxId: item.id, kind: item.kind, fence }, 'outbox outcome dropped: claim lost');
  }

  async function settleFailure(item: OutboxRow, fence: number, error: unknown, started: number) {
    const message = error instanceof Error ? error.message : String(error);
    const delivery = error instanceof DeliveryError ? error : undefined;
    const attempts = item.attempts + (delivery?.throttled ? 0 : 1);
    if (delivery?.permanent || attempts >= maxAttempts) {
      if (!(await store.tx((tx) => giveUp(tx, item.id, fence, now(), message))))
        return lostClaim(item, fence);
      log.error(
        { outboxId: item.id, kind: item.kind, attempts, err: error },
        'outbox item given up',
      );
      options.onResult?.(item.kind, 'failed', Date.now() - started);
      options.onGiveUp?.(item, message);
      return;
    }
    const delayMs = Math.max(
      delivery?.retryAfterMs ?? 0,
      delivery?.throttled ? 0 : backoffMs(attempts - 1, baseDelayMs, maxDelayMs),
    );
    const rescheduled = await store.tx((tx) =>
      reschedule(tx, item.id, fence, {
        now: now(),
        delayMs,
        error: message,
        countAttempt: !delivery?.throttled,
      }),
    );
    if (!rescheduled) return lostClaim(item, fence);
    log.warn(
      { outboxId: item.id, kind: item.kind, attempts, delayMs, error: message },
      'outbox item will be retried',
    );
    options.onResult?.(item.kind, 'retry', Date.now() - started);
  }

  async function waitForRunning(timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    while (running.size > 0 && Date.now() < deadline) {
      await Promise.race([
        Promise.allSettled([...running.values()].map((r) => r.job)),
        sleep(Math.max(1, deadline - Date.now())),
      ]);
    }
  }

  /** What a previous run of this instance still held (it was killed) is free to run again. */
  async function releaseLeftovers() {
    try {
      const released = await store.tx((tx) => releaseClaims(tx, workerId, new Set(running.keys())));
      if (released > 0)
        log.info({ released, workerId }, 'outbox claims of a previous run released');
    } catch (error) {
      log.error({ err: error }, 'outbox claims of a previous run could not be released');
    }
  }

  return {
    async start() {
      if (!stopped) return;
      stopped = false;
      await releaseLeftovers();
      schedule(0);
    },
    kick() {
      // Many commits in one turn of the event loop ask for one scan, not one each.
      if (stopped || kicked) return;
      kicked = true;
      if (timer) clearTimeout(timer);
      setImmediate(async () => {
        kicked = false;
        await scan();
      });
    },
    async stop(timeoutMs = 10_000) {
      stopped = true;
      if (timer) clearTimeout(timer);
      await waitForRunning(timeoutMs);
      // Deliveries still running past the deadline: give their items back for the next start.
      if (running.size > 0) {
        // No more renewals either: a renewal would put the lease back on a released item.
        if (heartbeat) clearInterval(heartbeat);
        heartbeat = undefined;
        try {
          await store.tx((tx) => releaseClaims(tx, workerId));
        } catch (error) {
          log.error({ err: error }, 'outbox claims could not be released at stop');
        }
      }
    },
    async drain(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      const wasStopped = stopped;
      stopped = false;
      try {
        while (Date.now() < deadline) {
          await scan();
          if (
            running.size === 0 &&
            (await store.read((tx) => outboxStats(tx, now()))).pending === 0
          )
            return true;
          await waitForRunning(Math.max(1, Math.min(100, deadline - Date.now())));
          await sleep(5);
        }
        return false;
      } finally {
        if (wasStopped) {
          stopped = true;
          if (timer) clearTimeout(timer);
        }
      }
    },
    get running() {
      return running.size;
    },
  };
}

/** Built once; two handlers for one kind is a wiring mistake, refused at start-up. */
function handlersByKind(effects: readonly EffectHandler[]): ReadonlyMap<string, EffectHandler> {
  const byKind = new Map<string, EffectHandler>();
  for (const effect of effects) {
    if (byKind.has(effect.kind)) throw new Error(`two outbox handlers for kind ${effect.kind}`);
    byKind.set(effect.kind, effect);
  }
  return byKind;
}

const oneLine = (error: z.ZodError) => z.prettifyError(error).replaceAll('\n', ' ');

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
