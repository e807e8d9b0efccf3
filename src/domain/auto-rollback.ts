// Automatic rollbacks (deploys.autoRollback) as the core sees them: one decision per trigger,
// kept whatever its outcome, so shadow mode can be compared with what people then did.

export const AUTO_ROLLBACK_MODES = ['off', 'shadow', 'on'] as const;
export type AutoRollbackMode = (typeof AUTO_ROLLBACK_MODES)[number];

/** What the guard decided: not allowed, "would have" (shadow), or a countdown (on). */
export const AUTO_ROLLBACK_DECISIONS = ['refused', 'shadow', 'scheduled'] as const;
export type AutoRollbackDecision = (typeof AUTO_ROLLBACK_DECISIONS)[number];

/**
 * Where a decision stands. `none` for refused and shadow decisions; a scheduled one is
 * `pending` during the veto, then exactly one of: executed (the rollback was asked for),
 * cancelled (someone said no), superseded (someone rolled back by hand first), aborted
 * (the rollback path refused at the deadline, e.g. a freeze arrived).
 */
export const AUTO_ROLLBACK_STATUSES = [
  'none',
  'pending',
  'executed',
  'cancelled',
  'superseded',
  'aborted',
] as const;
export type AutoRollbackStatus = (typeof AUTO_ROLLBACK_STATUSES)[number];

export interface AutoRollback {
  id: number;
  incidentId: number;
  service: string | null;
  environment: string;
  fromDeployId: number | null;
  toDeployId: number | null;
  mode: Exclude<AutoRollbackMode, 'off'>;
  decision: AutoRollbackDecision;
  status: AutoRollbackStatus;
  /** Failed conditions (refused), or why it would act (shadow, scheduled). */
  reasons: string[];
  severity: string;
  decidedAt: Date;
  /** End of the veto (scheduled only). */
  deadlineAt: Date | null;
  settledAt: Date | null;
  settledBy: string | null;
  rollbackId: number | null;
  /** Why an aborted one could not run. */
  error: string | null;
}
