import { blockingFreezes, covers, type Freeze, globMatches } from '../domain/freeze.js';
import { type Incident, incidentRef } from '../domain/incident.js';
import { AppError } from '../errors.js';
import { enqueuePublish } from '../incidents/effects.js';
import type { Actor } from '../incidents/events.js';
import { setFreezeExpiry } from '../store/alert-freezes.js';
import {
  activeFreezes,
  dueFreezes,
  endFreeze,
  findFreeze,
  insertFreeze,
  unexpiredFreezes,
} from '../store/freezes.js';
import { getIncident, openIncidents } from '../store/incidents.js';
import type { Store, Tx } from '../store/unit-of-work.js';
import { record, type TimelineKind } from '../timeline/timeline.js';
import { enqueueNotice, freezeFacts } from './notices.js';
import { mayChangeDeploys, refuse } from './permissions.js';

export interface FreezePolicy {
  defaultMs: number;
  maxMs: number;
  deployers: readonly string[];
}

export interface FreezeInput {
  /** Service names or globs (`payments-*`, `*`). */
  services: readonly string[];
  environments: readonly string[];
  /** Null: the configured default. */
  durationMs?: number | null;
  reason: string;
  incidentId?: number | null;
  /** Where to announce the freeze (and its expiry) when no incident is linked. */
  channelId?: string | null;
  blocksRollbacks?: boolean;
}

export interface GateAnswer {
  allowed: boolean;
  freezes: Freeze[];
  /** Seconds until every blocking freeze has expired (0 when allowed). */
  retryAfterSeconds: number;
}

const SCOPE = /^[a-z0-9*][a-z0-9._*-]{0,99}$/i;
const REASON_MAX = 500;

export function describeScope(f: Pick<Freeze, 'services' | 'environments'>): string {
  return `${f.services.join(', ')} × ${f.environments.join(', ')}`;
}

/** Freezes: create, lift, expire, and answer "may I deploy now?". */
export function createFreezes(deps: {
  store: Store;
  now: () => Date;
  kick: () => void;
  policy: FreezePolicy;
}) {
  const { store, now, policy } = deps;

  // The gate's view of the freezes: every freeze not lifted and not yet expired when loaded,
  // filtered by time on each read. Dropped on every change made here, and reloaded at least
  // every second in case another process wrote the file. CI may ask many times a second; this
  // keeps each answer to a few comparisons in memory.
  let cached: { rows: Freeze[]; loadedAt: number } | null = null;
  const CACHE_MS = 1000;
  async function gateRows(at: Date): Promise<Freeze[]> {
    if (!cached || performance.now() - cached.loadedAt > CACHE_MS) {
      cached = {
        rows: await store.read((tx) => unexpiredFreezes(tx, at)),
        loadedAt: performance.now(),
      };
    }
    return cached.rows;
  }
  const changed = () => {
    cached = null;
  };

  async function log(tx: Tx, row: Freeze, kind: TimelineKind, actor: Actor, at: Date) {
    const payload = {
      freezeId: row.id,
      services: row.services,
      environments: row.environments,
      reason: row.reason,
      expiresAt: row.expiresAt.toISOString(),
      blocksRollbacks: row.blocksRollbacks,
    };
    // Always in the audit stream; also in the incident's own record when one is linked.
    await record(
      tx,
      { incidentId: null, kind, at, actor: actor.id, source: actor.source, payload },
      at,
    );
    if (row.incidentId !== null)
      await record(
        tx,
        { incidentId: row.incidentId, kind, at, actor: actor.id, source: actor.source, payload },
        at,
      );
  }

  /** The cards of open incidents this freeze concerns show it, so they are refreshed. */
  async function refreshCards(tx: Tx, row: Freeze, at: Date) {
    for (const incident of await openIncidents(tx)) {
      const concerned =
        row.incidentId === incident.id ||
        incident.services.some((s) => covers(row, s, incident.environment));
      if (concerned) await enqueuePublish(tx, incident.id, at);
    }
  }

  function validate(input: FreezeInput): { durationMs: number; reason: string } {
    const bad = [...input.services, ...input.environments].find((s) => !SCOPE.test(s));
    if (input.services.length === 0 || input.environments.length === 0 || bad !== undefined) {
      throw new AppError(
        'invalid',
        bad
          ? `"${bad.slice(0, 60)}" is not a service or environment name (letters, digits, . _ - and * globs).`
          : 'A freeze needs at least one service and one environment (use * for all).',
      );
    }
    const durationMs = input.durationMs ?? policy.defaultMs;
    if (durationMs <= 0) throw new AppError('invalid', 'A freeze needs a duration, like 2h.');
    if (durationMs > policy.maxMs) {
      throw new AppError(
        'invalid',
        `A freeze lasts at most ${Math.round(policy.maxMs / 60_000)} minutes (deploys.freezeMax); extend it later if you need more.`,
      );
    }
    const reason = input.reason.trim();
    if (!reason) throw new AppError('invalid', 'Say why deploys are frozen.');
    if (reason.length > REASON_MAX)
      throw new AppError('invalid', `Keep the reason under ${REASON_MAX} characters.`);
    return { durationMs, reason };
  }

  /** Inside a caller's transaction and without a permission check (the bot's own freezes). */
  async function insert(tx: Tx, input: FreezeInput, actor: Actor, at: Date): Promise<Freeze> {
    const { durationMs, reason } = validate(input);
    const row = await insertFreeze(tx, {
      services: [...new Set(input.services.map((s) => s.toLowerCase()))],
      environments: [...new Set(input.environments.map((s) => s.toLowerCase()))],
      reason,
      createdBy: actor.id,
      incidentId: input.incidentId ?? null,
      blocksRollbacks: input.blocksRollbacks ?? false,
      channelId: input.channelId ?? null,
      createdAt: at,
      expiresAt: new Date(at.getTime() + durationMs),
    });
    changed();
    await log(tx, row, 'freeze_created', actor, at);
    await enqueueNotice(
      tx,
      { incidentId: row.incidentId, channelId: row.channelId },
      { type: 'freeze_created', freeze: freezeFacts(row), by: actor.id },
      at,
    );
    await refreshCards(tx, row, at);
    return row;
  }

  async function linkedIncident(id: number | null | undefined): Promise<Incident | null> {
    return id === null || id === undefined ? null : await store.read((tx) => getIncident(tx, id));
  }

  async function create(input: FreezeInput, actor: Actor): Promise<Freeze> {
    validate(input);
    const incident = await linkedIncident(input.incidentId);
    const at = now();
    if (!mayChangeDeploys(actor, policy.deployers, incident?.ownerId ?? null)) {
      await refuse(
        store,
        {
          actor,
          incidentId: incident?.id ?? null,
          ownerId: incident?.ownerId ?? null,
          action: `freeze deploys of ${describeScope({ services: [...input.services], environments: [...input.environments] })}`,
          at,
        },
        { services: input.services, environments: input.environments },
      );
    }
    const row = await store.tx((tx) => insert(tx, input, actor, at));
    deps.kick();
    return row;
  }

  async function end(
    tx: Tx,
    row: Freeze,
    actor: Actor,
    at: Date,
    expired: boolean,
  ): Promise<Freeze> {
    const liftedAt = expired ? row.expiresAt : at;
    await endFreeze(tx, row.id, { liftedAt, liftedBy: expired ? 'expired' : actor.id });
    changed();
    const ended = { ...row, liftedAt, liftedBy: expired ? 'expired' : actor.id };
    await log(tx, ended, expired ? 'freeze_expired' : 'freeze_lifted', actor, liftedAt);
    await enqueueNotice(
      tx,
      { incidentId: row.incidentId, channelId: row.channelId },
      { type: 'freeze_lifted', freeze: freezeFacts(ended), by: actor.id, expired },
      at,
    );
    await refreshCards(tx, ended, at);
    return ended;
  }

  /** Lifts the given active freezes, each checked against its own linked incident's owner. */
  async function liftRows(rows: readonly Freeze[], actor: Actor): Promise<Freeze[]> {
    const at = now();
    for (const row of rows) {
      const incident = await linkedIncident(row.incidentId);
      if (!mayChangeDeploys(actor, policy.deployers, incident?.ownerId ?? null)) {
        await refuse(
          store,
          {
            actor,
            incidentId: row.incidentId,
            ownerId: incident?.ownerId ?? null,
            action: `lift freeze #${row.id} (${describeScope(row)})`,
            at,
          },
          { freezeId: row.id },
        );
      }
    }
    const lifted = await store.tx(async (tx) => {
      const ended: Freeze[] = [];
      for (const row of rows) ended.push(await end(tx, row, actor, at, false));
      return ended;
    });
    if (lifted.length > 0) deps.kick();
    return lifted;
  }

  async function lift(id: number, actor: Actor): Promise<Freeze> {
    const row = await store.read((tx) => findFreeze(tx, id));
    if (!row) throw new AppError('not_found', `There is no freeze #${id}.`);
    const at = now();
    if (row.liftedAt || row.expiresAt <= at)
      throw new AppError('conflict', `Freeze #${id} is not active any more.`);
    return (await liftRows([row], actor))[0] as Freeze;
  }

  /** `/deploy unfreeze`: the incident's freezes, or every active freeze covering a service. */
  async function liftMatching(selector: { incidentId?: number; service?: string }, actor: Actor) {
    const rows = (await store.read((tx) => activeFreezes(tx, now()))).filter((f) =>
      selector.service !== undefined
        ? f.services.some((p) => globMatches(p, selector.service ?? ''))
        : f.incidentId === selector.incidentId,
    );
    return await liftRows(rows, actor);
  }

  /** The sweeper: freezes past their expiry lift themselves, once, with a message. */
  async function expireDue(): Promise<Freeze[]> {
    const at = now();
    const expired = await store.tx(async (tx) => {
      const ended: Freeze[] = [];
      for (const row of await dueFreezes(tx, at))
        ended.push(await end(tx, row, { id: 'firebreak', source: 'firebreak' }, at, true));
      return ended;
    });
    if (expired.length > 0) deps.kick();
    return expired;
  }

  async function gate(service: string, environment: string): Promise<GateAnswer> {
    const at = now();
    const blocking = blockingFreezes(await gateRows(at), { service, environment }, at);
    if (blocking.length === 0) return { allowed: true, freezes: [], retryAfterSeconds: 0 };
    const until = Math.max(...blocking.map((f) => f.expiresAt.getTime()));
    return {
      allowed: false,
      freezes: blocking,
      retryAfterSeconds: Math.max(1, Math.ceil((until - at.getTime()) / 1000)),
    };
  }

  /** On resolve: offer to lift the incident's freezes (never silently). */
  async function offerLift(tx: Tx, incidentId: number, at: Date): Promise<void> {
    const linked = (await activeFreezes(tx, at)).filter((f) => f.incidentId === incidentId);
    if (linked.length === 0) return;
    await enqueueNotice(
      tx,
      { incidentId, channelId: null },
      { type: 'freeze_lift_offer', incidentId, freezes: linked.map(freezeFacts) },
      at,
    );
  }

  /** Moves an active freeze's expiry (alert freezes), inside the caller's unit of work. */
  async function reschedule(tx: Tx, row: Freeze, expiresAt: Date, at: Date): Promise<Freeze> {
    await setFreezeExpiry(tx, row.id, expiresAt);
    changed();
    const moved = { ...row, expiresAt };
    await refreshCards(tx, moved, at);
    return moved;
  }

  return {
    create,
    insert,
    reschedule,
    /** Lifts a freeze inside the caller's unit of work, without a permission check (the bot's own). */
    liftInTx: (tx: Tx, row: Freeze, actor: Actor, at: Date) => end(tx, row, actor, at, false),
    lift,
    liftMatching,
    expireDue,
    gate,
    offerLift,
    active: async (at: Date = now()) => await store.read((tx) => activeFreezes(tx, at)),
    /** Active freezes that stop this deploy (or, with `rollback`, this rollback). */
    blocking: async (
      tx: Tx,
      target: { service: string; environment: string; rollback?: boolean },
    ) => {
      const at = now();
      return blockingFreezes(await activeFreezes(tx, at), target, at);
    },
    describe: (row: Freeze) =>
      `#${row.id} ${describeScope(row)}${row.incidentId ? ` (${incidentRef(row.incidentId)})` : ''}`,
  };
}

export type Freezes = ReturnType<typeof createFreezes>;
