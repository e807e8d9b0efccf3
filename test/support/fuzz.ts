import fc from 'fast-check';

/** A real payload with one random change: a key dropped, a value replaced, a type swapped. */
export function mutated(seed: unknown, maxStringLength = 3000): fc.Arbitrary<unknown> {
  const paths: (string | number)[][] = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value))
        walk(v, [...path, Array.isArray(value) ? Number(k) : k]);
    }
  };
  walk(seed, []);
  return fc
    .tuple(
      fc.constantFrom(...paths),
      fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.string({ maxLength: maxStringLength })),
    )
    .map(([path, replacement]) => {
      const copy = structuredClone(seed) as Record<string | number, unknown>;
      if (path.length === 0) return replacement;
      let parent: Record<string | number, unknown> = copy;
      for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
      const last = path[path.length - 1] as string | number;
      if (replacement === undefined) delete parent[last];
      else parent[last] = replacement;
      return copy;
    });
}

/** Request bodies: random JSON, random text, random bytes, and mutations of real payloads. */
export const bodies = (seeds: readonly unknown[]) =>
  fc.oneof(
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 2000 }),
    fc.uint8Array({ maxLength: 2000 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
    ...seeds.map((seed) => mutated(seed).map((v) => JSON.stringify(v) ?? '')),
  );

/** Every route of the bot, with `:param` segments to fill. */
export const ROUTES: [string, string][] = [
  ['GET', '/healthz'],
  ['GET', '/readyz'],
  ['GET', '/metrics'],
  ['POST', '/webhooks/alertmanager'],
  ['POST', '/webhooks/grafana'],
  ['POST', '/webhooks/alerts'],
  ['POST', '/webhooks/pagerduty'],
  ['POST', '/webhooks/github'],
  ['POST', '/webhooks/argocd'],
  ['POST', '/webhooks/deploys'],
  ['POST', '/webhooks/rollbacks/:id'],
  ['POST', '/slack/events'],
  ['GET', '/api/v1/incidents'],
  ['GET', '/api/v1/incidents/:number'],
  ['GET', '/api/v1/incidents/:number/timeline'],
  ['GET', '/api/v1/incidents/:number/postmortem'],
  ['GET', '/api/v1/freeze-status'],
  ['GET', '/api/v1/gates/deploy'],
  ['GET', '/api/v1/gates/analysis'],
  ['POST', '/api/v1/gates/analysis'],
];

/** Path pieces as sent on the wire: bad and overlong percent-escapes, dot segments, unicode. */
const hostileSegment = fc.oneof(
  fc.constantFrom(
    '%',
    '%E0',
    '%C0%AF',
    '%ZZ',
    '%00',
    '..',
    '.',
    '%2e%2e',
    '%2F',
    '//',
    '1',
    '%FF%FE',
  ),
  fc.string({ maxLength: 30 }).map((s) => encodeURIComponent(s)),
  fc.string({ unit: 'binary', maxLength: 10 }).map((s) => s.replace(/[\s?#]/g, '')),
  fc.integer({ min: 1, max: 9000 }).map((n) => 'a'.repeat(n)),
);

export const hostilePaths = fc
  .tuple(fc.constantFrom(...ROUTES), hostileSegment, fc.boolean())
  .map(([[method, path], segment, append]) => ({
    method,
    path: path.includes(':')
      ? path.replace(/:[a-z]+/, segment)
      : append
        ? `${path}/${segment}`
        : path,
  }));

export const hostileQueries = fc.oneof(
  fc.constant(''),
  fc
    .array(fc.tuple(fc.constantFrom('state', 'limit', 'since', 'after', 'x'), hostileSegment), {
      maxLength: 20,
    })
    .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`),
  fc.integer({ min: 1, max: 6000 }).map((n) => `?limit=${'9'.repeat(n)}`),
);

export const hostileHeaders = fc.record(
  {
    'content-type': fc.constantFrom(
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-16',
      '*/*',
    ),
    'content-encoding': fc.constantFrom('gzip', 'deflate', 'br', 'zstd', 'gzip, br', 'identity'),
    'content-length-delta': fc.integer({ min: -5, max: 5 }),
    authorization: fc.constantFrom('Bearer ', 'Basic eDp5', 'Bearer x'),
  },
  { requiredKeys: [] },
);
