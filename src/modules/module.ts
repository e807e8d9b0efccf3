import type { Catalog } from '../catalog.js';
import type { Config, Policies } from '../config.js';
import type { Job } from '../cron.js';
import type { Route } from '../http/server.js';
import type { AlertListener, IncidentListener } from '../incidents/events.js';
import type { EffectHandler } from '../outbox/effects.js';
import type { Store } from '../store/unit-of-work.js';

/**
 * One feature as the composition root sees it: its services, the outbox effects it carries out,
 * its reactions to incident events, its HTTP routes, what its Slack commands and buttons need,
 * and its timed sweeps. src/app.ts builds the clients and hands each part to its runner.
 */
export interface Module<Services, Slack = Record<string, never>> {
  readonly services: Services;
  readonly effects: readonly EffectHandler[];
  readonly listeners: readonly IncidentListener[];
  /** Reactions to each alert the intake applies (optional: few modules care). */
  readonly alertListeners?: readonly AlertListener[];
  readonly routes: readonly Route[];
  readonly slack: Slack;
  readonly jobs: readonly Job[];
}

/** What every module is built from: the database, the clock, the outbox's doorbell, the config. */
export interface Base {
  store: Store;
  now: () => Date;
  /** Wake the outbox worker after a commit that queued something. */
  kick: () => void;
  config: Config;
  /** Derived from the config once (config.ts). */
  policies: Policies;
  /** The configured services and their aliases. */
  catalog: Catalog;
}
