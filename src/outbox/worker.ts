import type { Logger } from 'pino';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import type { OutboxRow } from '../db/schema.js';
import type { EffectHandler } from './effects.js';
import { complete, dueItems, giveUp, outboxStats, reschedule } from './outbox.js';

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
  db: Db;
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
}

export interface OutboxWorker {
  start(): void;
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
  const { db, now, log } = options;
  const handlers = handlersByKind(options.effects);
  const concurrency = options.concurrency ?? 8;
  const pollMs = options.pollMs ?? 500;
  const maxAttempts = options.maxAttempts ?? 25;
  const baseDelayMs = options.baseDelayMs ?? 1000;
  const maxDelayMs = options.maxDelayMs ?? 5 * 60_000;

  const inFlight = new Map<string, Promise<void>>();
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  let kicked = false;

  function schedule(delay: number) {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(scan, delay);
    timer.unref();
  }

  function scan() {
    if (stopped) return;
    try {
      const free = concurrency - inFlight.size;
      if (free > 0) {
        const busy = new Set(inFlight.keys());
        for (const item of dueItems(db, now(), free, busy)) run(item);
      }
    } catch (error) {
      // A busy or failing database must not kill the loop; the next scan tries again.
      log.error({ err: error }, 'outbox scan failed');
    }
    schedule(pollMs);
  }

  function run(item: OutboxRow) {
    const started = Date.now();
    const handler = handlers.get(item.kind);
    const job = (async () => {
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
        () => {
          complete(db, item.id, now(), options.rerunDelayMs ?? 3000);
          options.onResult?.(item.kind, 'done', Date.now() - started);
        },
        (error: unknown) => settleFailure(item, error, started),
      )
      .catch((error: unknown) =>
        log.error({ err: error, outboxId: item.id }, 'outbox bookkeeping failed'),
      )
      .finally(() => {
        inFlight.delete(item.lane);
        if (!stopped) setImmediate(scan);
      });
    inFlight.set(item.lane, job);
  }

  function settleFailure(item: OutboxRow, error: unknown, started: number) {
    const message = error instanceof Error ? error.message : String(error);
    const delivery = error instanceof DeliveryError ? error : undefined;
    const attempts = item.attempts + (delivery?.throttled ? 0 : 1);
    if (delivery?.permanent || attempts >= maxAttempts) {
      giveUp(db, item.id, now(), message);
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
    reschedule(db, item.id, {
      now: now(),
      delayMs,
      error: message,
      countAttempt: !delivery?.throttled,
    });
    log.warn(
      { outboxId: item.id, kind: item.kind, attempts, delayMs, error: message },
      'outbox item will be retried',
    );
    options.onResult?.(item.kind, 'retry', Date.now() - started);
  }

  async function waitForRunning(timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    while (inFlight.size > 0 && Date.now() < deadline) {
      await Promise.race([
        Promise.allSettled([...inFlight.values()]),
        sleep(Math.max(1, deadline - Date.now())),
      ]);
    }
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      schedule(0);
    },
    kick() {
      // Many commits in one turn of the event loop ask for one scan, not one each.
      if (stopped || kicked) return;
      kicked = true;
      if (timer) clearTimeout(timer);
      setImmediate(() => {
        kicked = false;
        scan();
      });
    },
    async stop(timeoutMs = 10_000) {
      stopped = true;
      if (timer) clearTimeout(timer);
      await waitForRunning(timeoutMs);
    },
    async drain(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      const wasStopped = stopped;
      stopped = false;
      try {
        while (Date.now() < deadline) {
          scan();
          if (inFlight.size === 0 && outboxStats(db, now()).pending === 0) return true;
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
      return inFlight.size;
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
