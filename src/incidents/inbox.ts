import type { Logger } from 'pino';
import type { NormalizedAlert } from '../ingest/alert.js';
import {
  countPendingInbox,
  type InboxRow,
  insertInboxDelivery,
  markInboxDone,
  markInboxFailed,
  pendingInboxDeliveries,
} from '../store/inbox.js';
import type { Store } from '../store/unit-of-work.js';
import type { AlertIntake } from './intake.js';

export interface InboxDeps {
  store: Store;
  now: () => Date;
  intake: AlertIntake;
  log: Logger;
  /** Wakes the outbox after a batch that enqueued Slack effects. */
  kick: () => void;
  /** Deliveries turned into incidents per transaction. */
  batchSize?: number;
  /**
   * Accept first: a delivery that arrives within this long of the previous one is part of a
   * burst. It is only stored, and applied by the processor once the burst is over, so a storm
   * is acknowledged at the speed of the inbox insert. Default 50 ms.
   */
  burstGapMs?: number;
  /**
   * Fairness bound: the processor never waits longer than this behind a burst. After it, it
   * takes turns with the accepts until the backlog is empty, so the first cards of a long storm
   * still come within a second. Default 500 ms.
   */
  maxWaitMs?: number;
  /**
   * Alerts applied per transaction, at most (a delivery is never split): a storm's backlog is
   * applied in slices that each commit quickly, so its first cards need not wait for the last
   * alert, and accepts get their turns in between. Default 500.
   */
  maxAlertsPerBatch?: number;
}

/**
 * Accepting an alert is one insert and one commit, so a webhook answers 202 as fast as SQLite
 * can make it durable, storm or not. A lone delivery is applied in that same commit; during a
 * burst the processor waits until the burst is over (or the fairness bound is reached), then
 * applies pending deliveries in order, many per transaction, through the alert intake: a storm
 * is acknowledged first and applied in big batches after. A delivery that cannot be applied is kept,
 * marked failed with the reason, and never blocks the others.
 */
export function createInbox(deps: InboxDeps) {
  const { store, now, intake, log } = deps;
  const batchSize = deps.batchSize ?? 500;
  const burstGapMs = deps.burstGapMs ?? 50;
  const maxWaitMs = deps.maxWaitMs ?? 500;
  const maxAlerts = deps.maxAlertsPerBatch ?? 500;

  let stopped = true;
  let scheduled = false;
  // Deliveries may be pending (a restart, a failed batch): new ones then wait their turn, in order.
  let backlog = true;
  let timer: NodeJS.Timeout | undefined;
  // Real time (not the injected clock): bursts and waits are about how the process is loaded.
  let lastCommitAt = Number.NEGATIVE_INFINITY;
  /** When the oldest delivery accepted but not applied was stored; null: none is waiting. */
  let waitingSince: number | null = null;
  /** Past the fairness bound: the processor takes turns with the accepts until it is done. */
  let catchingUp = false;

  interface Waiting {
    source: string;
    alerts: readonly NormalizedAlert[];
    resolve: (value: { id: number }) => void;
    reject: (error: unknown) => void;
  }
  let waiting: Waiting[] = [];

  /**
   * Resolves once the alerts are committed. Deliveries that arrive in the same turn of the event
   * loop share one commit (group commit): under load one fsync covers many webhooks, and each
   * still gets its 202 only after its own alerts are on disk.
   */
  function accept(source: string, alerts: readonly NormalizedAlert[]): Promise<{ id: number }> {
    return new Promise((resolve, reject) => {
      waiting.push({ source, alerts, resolve, reject });
      if (waiting.length === 1) setImmediate(commitWaiting);
    });
  }

  async function commitWaiting() {
    const batch = waiting;
    waiting = [];
    const at = now();
    const started = performance.now();
    // Alone and small (nothing arrived just before it, nothing older waiting): apply it in
    // this very commit, one fsync for both. In a burst, or big: only store it, and answer.
    const alone = !backlog && started - lastCommitAt >= burstGapMs;
    const inline = alone && batch.reduce((n, w) => n + w.alerts.length, 0) <= INLINE_ALERTS;
    lastCommitAt = started;
    if (!inline) backlog = true;
    let ids: { id: number }[];
    let touched = false;
    try {
      ids = await store.tx(async (tx) => {
        const stored: { id: number }[] = [];
        for (const w of batch)
          stored.push(
            await insertInboxDelivery(tx, { source: w.source, alerts: w.alerts, receivedAt: at }),
          );
        // Apply them in the same commit when nothing older is waiting (one fsync, not two). If
        // that fails, the savepoint is undone and the deliveries stay pending for the processor,
        // which applies them one by one; what was accepted is kept either way.
        if (inline) {
          try {
            const result = await store.savepoint(tx, (inner) =>
              intake.applyBatch(
                inner,
                batch.flatMap((w) => w.alerts),
                at,
              ),
            );
            await markInboxDone(
              tx,
              stored.map((r) => r.id),
              at,
            );
            touched = result.touched.length > 0;
          } catch {
            backlog = true;
          }
        }
        return stored;
      });
    } catch (error) {
      for (const w of batch) w.reject(error);
      return;
    }
    for (const [i, w] of batch.entries()) w.resolve(ids[i] ?? { id: 0 });
    if (touched) deps.kick();
    if (backlog) {
      waitingSince ??= started;
      kick();
    }
  }

  /** Applies up to `limit` pending deliveries in one transaction; returns how many it took. */
  async function processPending(limit = batchSize): Promise<number> {
    const at = now();
    let touched = false;
    const taken = await store.tx(async (tx) => {
      const rows = upToAlerts(await pendingInboxDeliveries(tx, limit), maxAlerts);
      if (rows.length === 0) return 0;
      try {
        // Usually every delivery is fine: apply them together, so each incident is settled and
        // republished once per batch rather than once per delivery.
        const result = await store.savepoint(tx, (inner) =>
          intake.applyBatch(inner, rows.flatMap(revive), at),
        );
        touched = result.touched.length > 0;
        await markInboxDone(
          tx,
          rows.map((r) => r.id),
          at,
        );
      } catch {
        // One of them cannot be applied: go one by one (a savepoint each), so only it fails.
        for (const row of rows) {
          try {
            const result = await store.savepoint(tx, (inner) =>
              intake.applyBatch(inner, revive(row), at),
            );
            touched ||= result.touched.length > 0;
            await markInboxDone(tx, [row.id], at);
          } catch (error) {
            log.error(
              { err: error, inboxId: row.id },
              'an accepted alert delivery could not be applied',
            );
            await markInboxFailed(
              tx,
              row.id,
              at,
              String((error as Error)?.message ?? error).slice(0, 2000),
            );
          }
        }
      }
      return rows.length;
    });
    if (touched) deps.kick();
    return taken;
  }

  /** How long to hold the processor back for a burst still arriving; 0: run now. */
  function holdBack(): number {
    if (catchingUp || waitingSince === null) return 0;
    const t = performance.now();
    const waited = t - waitingSince;
    if (waited >= maxWaitMs) {
      catchingUp = true;
      return 0;
    }
    const quietFor = t - lastCommitAt;
    return quietFor >= burstGapMs ? 0 : Math.min(burstGapMs - quietFor, maxWaitMs - waited);
  }

  async function run() {
    scheduled = false;
    if (stopped) return;
    const wait = holdBack();
    if (wait > 0) {
      scheduled = true;
      timer = setTimeout(run, Math.ceil(wait));
      timer.unref();
      return;
    }
    const started = Date.now();
    try {
      // Work in slices so accepting new alerts is never starved by a long backlog.
      while (Date.now() - started < 25) {
        if ((await processPending()) === 0) {
          backlog = false;
          waitingSince = null;
          catchingUp = false;
          return;
        }
      }
      kick();
    } catch (error) {
      log.error({ err: error }, 'inbox processing failed; will retry');
      timer = setTimeout(kick, 1000);
      timer.unref();
    }
  }

  function kick() {
    if (stopped || scheduled) return;
    scheduled = true;
    setImmediate(run);
  }

  return {
    accept,
    processPending,
    kick,
    start() {
      stopped = false;
      kick();
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
    /** Applies what is pending, within a time budget (shutdown, tests); true when nothing is left. */
    async drain(budgetMs = 5000): Promise<boolean> {
      const deadline = Date.now() + budgetMs;
      while (Date.now() < deadline) if ((await processPending()) === 0) return true;
      return false;
    },
    async pendingCount(): Promise<number> {
      return await store.read((tx) => countPendingInbox(tx));
    },
  };
}

export type Inbox = ReturnType<typeof createInbox>;

/**
 * A lone delivery with at most this many alerts is applied in its own commit; a bigger one is
 * answered first and applied by the processor (a whole storm group commit would hold its 202s).
 */
const INLINE_ALERTS = 20;

/** The first deliveries holding at most `max` alerts together (always at least one). */
function upToAlerts(rows: InboxRow[], max: number): InboxRow[] {
  let alerts = 0;
  let n = 0;
  while (n < rows.length && (n === 0 || alerts + (rows[n]?.alerts.length ?? 0) <= max)) {
    alerts += rows[n]?.alerts.length ?? 0;
    n++;
  }
  return rows.slice(0, n);
}

/** Alerts come back from JSON with their times as strings. */
function revive(row: InboxRow): NormalizedAlert[] {
  return (row.alerts as unknown as NormalizedAlert[]).map((a) => ({
    ...a,
    startsAt: a.startsAt ? new Date(a.startsAt) : null,
    endsAt: a.endsAt ? new Date(a.endsAt) : null,
  }));
}
