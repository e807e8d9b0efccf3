// Slack's per-method rate-limit tiers (slack-platform.md §2.1), scaled to a configurable window so
// tests can hit them in milliseconds instead of a minute.

export type Tier = 2 | 3 | 4;

/** Requests allowed per window (Slack's "per minute" figures). */
export const TIER_LIMITS: Record<Tier, number> = { 2: 20, 3: 50, 4: 100 };

export const METHOD_TIERS: Record<string, Tier> = {
  'conversations.create': 2,
  'conversations.setTopic': 2,
  'conversations.setPurpose': 2,
  'conversations.archive': 2,
  'pins.add': 2,
  'pins.remove': 2,
  'pins.list': 2,
  'bookmarks.add': 2,
  'conversations.invite': 3,
  'conversations.info': 3,
  'conversations.list': 3,
  'conversations.join': 3,
  'conversations.history': 3,
  'conversations.replies': 3,
  'chat.update': 3,
  'chat.getPermalink': 3,
  'users.lookupByEmail': 3,
  'reactions.add': 3,
  'views.open': 4,
  'views.update': 4,
  'views.push': 4,
  'views.publish': 4,
  'users.info': 4,
  'conversations.members': 4,
  'chat.postEphemeral': 4,
  'files.getUploadURLExternal': 4,
  'files.completeUploadExternal': 4,
};

/** chat.postMessage: about one message per second per channel, with short bursts allowed. */
const POST_BURST = 3;

export interface RateLimiter {
  /** Counts the call; returns seconds to wait (≥ 1) when it is over the limit and must be refused. */
  check(method: string, channel: string | undefined): number | undefined;
  reset(): void;
}

export function createRateLimiter(windowMs: number, now: () => number): RateLimiter {
  const calls = new Map<string, number[]>();
  const buckets = new Map<string, { tokens: number; at: number }>();
  // "1 per second" in a 60 s window; scaled with the window.
  const refillMs = windowMs / 60;

  const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

  function tiered(method: string, tier: Tier): number | undefined {
    const t = now();
    const recent = (calls.get(method) ?? []).filter((at) => at > t - windowMs);
    calls.set(method, recent);
    const oldest = recent[0];
    if (oldest !== undefined && recent.length >= TIER_LIMITS[tier]) {
      return seconds(oldest + windowMs - t);
    }
    recent.push(t);
    return undefined;
  }

  function posting(channel: string): number | undefined {
    const t = now();
    const bucket = buckets.get(channel) ?? { tokens: POST_BURST, at: t };
    bucket.tokens = Math.min(POST_BURST, bucket.tokens + (t - bucket.at) / refillMs);
    bucket.at = t;
    buckets.set(channel, bucket);
    if (bucket.tokens < 1) return seconds((1 - bucket.tokens) * refillMs);
    bucket.tokens -= 1;
    return undefined;
  }

  return {
    check(method, channel) {
      if (method === 'chat.postMessage') return posting(channel ?? '');
      const tier = METHOD_TIERS[method];
      return tier === undefined ? undefined : tiered(method, tier);
    },
    reset() {
      calls.clear();
      buckets.clear();
    },
  };
}
