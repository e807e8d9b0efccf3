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
