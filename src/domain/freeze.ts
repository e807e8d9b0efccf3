/** A freeze as the rules see it: scope globs and a time window. */
export interface FreezeWindow {
  id: number;
  services: readonly string[];
  environments: readonly string[];
  createdAt: Date;
  expiresAt: Date;
  liftedAt: Date | null;
  blocksRollbacks: boolean;
}

/** A freeze as stored: its window, why, by whom, and where it is announced. */
export interface Freeze extends FreezeWindow {
  /** Globs: ["checkout", "payments-*"] × ["prod*"]; ["*"] means everything. */
  services: string[];
  environments: string[];
  reason: string;
  createdBy: string;
  incidentId: number | null;
  /** Where the freeze was made, so its expiry is announced there when no incident is linked. */
  channelId: string | null;
  liftedBy: string | null;
}

// Compiled patterns, kept because the freeze gate matches the same few globs on every request.
const compiled = new Map<string, RegExp>();

/** `*` matches any run of characters; everything else is literal; case does not matter. */
export function globMatches(pattern: string, value: string): boolean {
  let regex = compiled.get(pattern);
  if (!regex) {
    const escaped = pattern
      .toLowerCase()
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    regex = new RegExp(`^${escaped}$`);
    if (compiled.size >= 1000) compiled.clear();
    compiled.set(pattern, regex);
  }
  return regex.test(value.toLowerCase());
}

export const isActive = (w: FreezeWindow, now: Date): boolean =>
  w.liftedAt === null && w.createdAt <= now && now < w.expiresAt;

export const covers = (w: FreezeWindow, service: string, environment: string): boolean =>
  w.services.some((p) => globMatches(p, service)) &&
  w.environments.some((p) => globMatches(p, environment));

/** The active freezes that stop a deploy (or, when `rollback`, a rollback) of service+environment. */
export function blockingFreezes<T extends FreezeWindow>(
  windows: readonly T[],
  target: { service: string; environment: string; rollback?: boolean },
  now: Date,
): T[] {
  return windows.filter(
    (w) =>
      isActive(w, now) &&
      covers(w, target.service, target.environment) &&
      (!target.rollback || w.blocksRollbacks),
  );
}
