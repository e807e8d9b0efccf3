import type {
  AutoRollback,
  AutoRollbackDecision,
  AutoRollbackMode,
} from '../domain/auto-rollback.js';
import type { Deploy } from '../domain/deploy.js';
import { blockingFreezes, type Freeze } from '../domain/freeze.js';
import { type Severity, severityRank } from '../domain/incident.js';

// The automatic rollback's guard (deploys.autoRollback), as pure decisions: whether an event
// asks for it, which conditions hold, and what it decides. The shell (auto-rollback.ts) reads
// the state in the incident's unit of work and writes what is decided there.

export interface AutoRollbackSettings {
  mode: AutoRollbackMode;
  windowMs: number;
  minSeverity: Severity;
  vetoMs: number;
  cooldownMs: number;
}

/** The config as the shell gets it: the defaults and each service's partial override. */
export interface AutoRollbackPolicy {
  defaults: {
    mode: AutoRollbackMode;
    window: number;
    minSeverity: Severity;
    veto: number;
    cooldown: number;
  };
  services: Record<
    string,
    Partial<{
      mode: AutoRollbackMode;
      window: number;
      minSeverity: Severity;
      veto: number;
      cooldown: number;
    }>
  >;
  /** Who may Cancel a countdown (with the incident owner): permissions.deployers. */
  deployers: readonly string[];
  /** Freezes block rollbacks only when they say so (deploys.rollbacksExempt). */
  rollbacksExempt: boolean;
}

/** The settings for an incident's service (its override over the defaults); null: the defaults. */
export function settingsFor(
  policy: AutoRollbackPolicy,
  service: string | null,
): AutoRollbackSettings {
  const merged = { ...policy.defaults, ...(service ? policy.services[service] : undefined) };
  return {
    mode: merged.mode,
    windowMs: merged.window,
    minSeverity: merged.minSeverity,
    vetoMs: merged.veto,
    cooldownMs: merged.cooldown,
  };
}

export type AutoRollbackTrigger = { kind: 'opened' } | { kind: 'raised'; from: Severity };

/**
 * Whether an alert's event asks for the guard: the mode is not off, and the alert opened the
 * incident at `minSeverity` or worse, or raised it (from better) to `minSeverity` or worse.
 */
export function shouldEvaluate(
  settings: AutoRollbackSettings,
  severity: Severity,
  trigger: AutoRollbackTrigger,
): boolean {
  if (settings.mode === 'off') return false;
  if (severityRank(severity) > severityRank(settings.minSeverity)) return false;
  return trigger.kind === 'opened' || severityRank(trigger.from) > severityRank(severity);
}

export const GUARD_CONDITIONS = [
  'one_service_and_environment',
  'one_finished_deploy',
  'rollback_target',
  'backend',
  'not_frozen',
  'first_for_incident',
  'cooldown',
] as const;
export type GuardCondition = (typeof GUARD_CONDITIONS)[number];

export interface GuardCheck {
  condition: GuardCondition;
  ok: boolean;
  /** Why it holds or fails, in words a person reads on the card. */
  detail: string;
}

/** Everything the guard is decided on, as the shell read it in the incident's unit of work. */
export interface GuardState {
  incident: {
    id: number;
    services: readonly string[];
    /** The incident's environment and those of its alerts, distinct. */
    environments: readonly string[];
    severity: Severity;
    /** When the first alert fired (detectedAt, else declaredAt). */
    firstAlertAt: Date;
  };
  /** Every deploy of the service+environment in the window (and any still running), newest first. */
  deploys: readonly Deploy[];
  /** The rollback target of the newest of them (the suspects' rule); null: none. */
  target: Deploy | null;
  backend: { label: string } | null;
  /** Active freezes (not yet filtered by scope). */
  freezes: readonly Freeze[];
  /** The acting (or shadow) decision this incident already has. */
  incidentDecision: Pick<AutoRollback, 'id' | 'decision' | 'status'> | null;
  /** The newest decision of the same kind for the service+environment within the cooldown. */
  recent: Pick<AutoRollback, 'id' | 'decidedAt' | 'incidentId'> | null;
}

/** "90 s", "2 min", "6 h", "1 d": for durations people set in the config. */
export function spoken(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 2 * 60 * 60_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 2 * 24 * 60 * 60_000) return `${Math.round(ms / (60 * 60_000))} h`;
  return `${Math.round(ms / (24 * 60 * 60_000))} d`;
}

const ago = (from: Date, to: Date) => spoken(Math.max(0, to.getTime() - from.getTime()));
const count = (n: number) => (n === 2 ? 'two' : n === 3 ? 'three' : String(n));

/** Every condition, in order, with whether it holds and why. */
export function checkGuard(
  state: GuardState,
  settings: AutoRollbackSettings,
  rollbacksExempt: boolean,
  now: Date,
): GuardCheck[] {
  const { incident, deploys, target, backend } = state;
  const service = incident.services.length === 1 ? (incident.services[0] as string) : null;
  const environment =
    incident.environments.length === 1 ? (incident.environments[0] as string) : null;
  const where = `${service ?? '?'} in ${environment ?? '?'}`;
  const checks: GuardCheck[] = [];
  const check = (condition: GuardCondition, ok: boolean, yes: string, no: string) =>
    checks.push({ condition, ok, detail: ok ? yes : no });

  check(
    'one_service_and_environment',
    service !== null && environment !== null,
    `one service and environment: ${where}`,
    incident.services.length === 0
      ? 'the incident names no service'
      : incident.services.length > 1
        ? `${count(incident.services.length)} services in the incident (${incident.services.join(', ')})`
        : `${count(incident.environments.length)} environments in the incident (${incident.environments.join(', ')})`,
  );

  const window = spoken(settings.windowMs);
  const [newest] = deploys;
  const one = deploys.length === 1 && newest !== undefined;
  const finished = one && newest.status !== 'started';
  check(
    'one_finished_deploy',
    finished,
    newest
      ? `${newest.version} finished ${ago(newest.at, incident.firstAlertAt)} before the first alert, the only deploy of ${where} in the last ${window}`
      : '',
    deploys.length === 0
      ? `no deploy of ${where} in the ${window} before the first alert`
      : deploys.length > 1
        ? `${count(deploys.length)} deploys in the window (${deploys.map((d) => d.version).join(', ')} in the ${window} before the first alert)`
        : `the deploy ${newest?.version ?? '?'} has not finished`,
  );

  check(
    'rollback_target',
    target !== null,
    `rolls back to ${target?.version ?? '?'}, the successful deploy before it`,
    newest
      ? `no earlier successful deploy of ${where} to roll back to`
      : 'no earlier successful deploy: nothing to roll back from',
  );

  check(
    'backend',
    backend !== null,
    `backend: ${backend?.label ?? '?'}`,
    `no rollback backend configured for ${where}`,
  );

  const frozen =
    service && environment
      ? blockingFreezes(state.freezes, { service, environment, rollback: rollbacksExempt }, now)
      : [];
  const [freeze] = frozen;
  check(
    'not_frozen',
    freeze === undefined,
    'no freeze blocks rollbacks',
    `freeze #${freeze?.id} blocks rollbacks of ${where}: ${freeze?.reason ?? ''}`,
  );

  const prior = state.incidentDecision;
  const verb = settings.mode === 'shadow' ? 'would have run' : 'ran';
  check(
    'first_for_incident',
    prior === null,
    'no automatic rollback yet for this incident',
    `an automatic rollback already ${settings.mode === 'shadow' ? 'was proposed' : 'ran'} for this incident (decision #${prior?.id}, ${prior?.status === 'none' ? prior?.decision : prior?.status})`,
  );

  const recent = state.recent;
  check(
    'cooldown',
    recent === null,
    `none for ${where} in the last ${spoken(settings.cooldownMs)}`,
    recent
      ? `an automatic rollback of ${where} ${verb} ${ago(recent.decidedAt, now)} ago (INC-${recent.incidentId}); cooldown ${spoken(settings.cooldownMs)}`
      : '',
  );
  return checks;
}

export interface AutoRollbackPlan {
  decision: AutoRollbackDecision;
  mode: Exclude<AutoRollbackMode, 'off'>;
  service: string | null;
  environment: string;
  /** The deploy it rolls back (the newest in the window), and what to; null when unknown. */
  from: Deploy | null;
  to: Deploy | null;
  /** Failed conditions when refused; every condition that held otherwise. */
  reasons: string[];
  checks: GuardCheck[];
  /** The end of the veto (scheduled only). */
  deadlineAt: Date | null;
}

/** What the guard decides: refused (naming each failed condition), shadow, or a countdown. */
export function decideAutoRollback(
  state: GuardState,
  settings: AutoRollbackSettings,
  rollbacksExempt: boolean,
  now: Date,
): AutoRollbackPlan {
  if (settings.mode === 'off') throw new Error('decideAutoRollback called with mode off');
  const checks = checkGuard(state, settings, rollbacksExempt, now);
  const failed = checks.filter((c) => !c.ok);
  const decision: AutoRollbackDecision =
    failed.length > 0 ? 'refused' : settings.mode === 'shadow' ? 'shadow' : 'scheduled';
  const { incident } = state;
  return {
    decision,
    mode: settings.mode,
    service: incident.services.length === 1 ? (incident.services[0] as string) : null,
    environment: incident.environments[0] ?? '',
    from: state.deploys[0] ?? null,
    to: state.target,
    reasons: (failed.length > 0 ? failed : checks).map((c) => c.detail),
    checks,
    deadlineAt: decision === 'scheduled' ? new Date(now.getTime() + settings.vetoMs) : null,
  };
}
