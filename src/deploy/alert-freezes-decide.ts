// Error-budget freezes (deploys.freezeOnAlerts), the pure part: which alerts freeze, and what a
// firing or resolved notification does to the freeze its alert holds. No clock, no database.

/** One matcher: every label named must be present with exactly this value. */
export type LabelMatcher = Readonly<Record<string, string>>;

export interface AlertFreezeTiming {
  /** Hysteresis: the freeze lasts at least this long, even when its alert resolves sooner. */
  minFreezeMs: number;
  /**
   * How long a firing alert holds the freeze without news (deploys.freezeMax). Each firing
   * notification (Alertmanager repeats them) renews it, so a lost resolve cannot freeze forever.
   */
  holdMs: number;
}

/** The freeze an alert holds now, as far as the decision needs it. */
export interface HeldFreeze {
  expiresAt: Date;
  minUntil: Date;
  resolvedAt: Date | null;
}

export type AlertFreezeStep =
  | { kind: 'none' }
  | { kind: 'create'; expiresAt: Date; minUntil: Date }
  /** Firing again (after a resolve inside the hysteresis, or to renew the hold). */
  | { kind: 'hold'; expiresAt: Date; refired: boolean }
  | { kind: 'lift' }
  /** Resolved before the minimum: lift at the hysteresis time (a stored expiry the sweep honours). */
  | { kind: 'lift_at'; expiresAt: Date };

/**
 * True when one matcher matches. Generic alerts rarely carry `alertname`, so their title stands in
 * for it; a label the sender did set always wins.
 */
export function matchesAny(
  alert: { labels: Readonly<Record<string, string>>; title: string },
  matchers: readonly LabelMatcher[],
): boolean {
  const labels: Record<string, string> = { alertname: alert.title, ...alert.labels };
  return matchers.some((m) => Object.entries(m).every(([k, v]) => labels[k] === v));
}

export function decideAlertFreeze(
  firing: boolean,
  held: HeldFreeze | null,
  timing: AlertFreezeTiming,
  at: Date,
): AlertFreezeStep {
  const t = at.getTime();
  if (firing) {
    if (!held)
      return {
        kind: 'create',
        expiresAt: new Date(t + timing.holdMs),
        minUntil: new Date(t + Math.min(timing.minFreezeMs, timing.holdMs)),
      };
    if (held.resolvedAt !== null)
      return { kind: 'hold', expiresAt: new Date(t + timing.holdMs), refired: true };
    // Renew only once half the hold is gone: a repeat notification every few minutes writes nothing.
    if (held.expiresAt.getTime() - t < timing.holdMs / 2)
      return { kind: 'hold', expiresAt: new Date(t + timing.holdMs), refired: false };
    return { kind: 'none' };
  }
  if (!held || held.resolvedAt !== null) return { kind: 'none' };
  if (t >= held.minUntil.getTime()) return { kind: 'lift' };
  return { kind: 'lift_at', expiresAt: held.minUntil };
}
