import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

// The core's folders in a fixed order, lowest first. A core file may import (types too) from
// its own layer's folder or a lower layer, never from a higher one, so the arrows all point
// down and there are no circles. Edges (slack/, http/, pagerduty.ts, deploy/backends/, config,
// cron) and the composition (modules/, app.ts) sit above all of them.
const LAYERS: readonly (readonly string[])[] = [
  ['errors.ts', 'catalog.ts', 'paths.ts', 'domain', 'ingest'],
  ['store'],
  ['outbox'],
  ['timeline'],
  ['incidents'],
  ['deploy', 'paging'],
  ['metrics'],
  ['postmortem', 'read-model'],
];

const SRC = fileURLToPath(new URL('../src', import.meta.url));

/** The unit a file belongs to: its top folder under src/ (deploy/backends/ is an edge of its own). */
function unitOf(file: string): string {
  const parts = relative(SRC, file).split('\\').join('/').split('/');
  if (parts[0] === 'deploy' && parts[1] === 'backends') return 'deploy/backends';
  return (parts[0] ?? '').replace(/\.js$/, '.ts');
}

const layerOf = (unit: string) => LAYERS.findIndex((layer) => layer.includes(unit));

/** Relative import specifiers of a file, type-only imports and re-exports included. */
function relativeImports(source: string): string[] {
  const pattern = /\b(?:import|export)\s+(?:type\s+)?[^'";]*?\bfrom\s*['"](\.[^'"]+)['"]/g;
  return [...source.matchAll(pattern)].map((m) => m[1] ?? '');
}

function coreImports(): { from: string; to: string; file: string }[] {
  return readdirSync(SRC, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name))
    .flatMap((file) =>
      relativeImports(readFileSync(file, 'utf8')).map((spec) => ({
        from: unitOf(file),
        to: unitOf(normalize(join(dirname(file), spec))),
        file: relative(SRC, file),
      })),
    )
    .filter((i) => i.from !== i.to && layerOf(i.from) >= 0);
}

test('core folders import only from their own layer or below', () => {
  const upward = coreImports()
    .filter((i) => layerOf(i.to) < 0 || layerOf(i.to) > layerOf(i.from))
    .map((i) => `${i.file} → ${i.to}`);
  expect(upward).toEqual([]);
});

test('folders of one layer do not import each other both ways', () => {
  const edges = new Set(coreImports().map((i) => `${i.from}→${i.to}`));
  const circles = [...edges].filter((e) => {
    const [from, to] = e.split('→');
    return edges.has(`${to}→${from}`);
  });
  expect(circles).toEqual([]);
});

test('every core folder has a layer', () => {
  const folders = readdirSync(SRC, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  const edgesAndComposition = ['slack', 'http', 'modules', 'trackers'];
  expect(folders.filter((f) => layerOf(f) < 0 && !edgesAndComposition.includes(f))).toEqual([]);
});
