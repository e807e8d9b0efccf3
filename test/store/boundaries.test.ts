import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

// The storage seam: only src/store/ (and its tests, test/store/) may know how rows are stored.
// Everything else goes through the repositories, so a second dialect (PostgreSQL) is a second
// implementation of src/store/ and nothing else changes.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What only the store may import: the query builder, the driver, the table definitions. */
const STORAGE = [/^drizzle-orm(\/|$)/, /^better-sqlite3(\/|$)/, /(^|\/)store\/schema(\.[jt]s)?$/];

/** Every module specifier of a file: static imports and re-exports (type-only too), dynamic imports. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns)
    for (const match of source.matchAll(pattern)) if (match[1]) found.push(match[1]);
  return found;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)).split('\\').join('/'))
    .sort();
}

const insideStore = (file: string) =>
  file.startsWith('src/store/') || file.startsWith('test/store/');

/** Each file outside the store that imports storage, with what it imports. */
function offenders(): string[] {
  return [...tsFiles(join(ROOT, 'src')), ...tsFiles(join(ROOT, 'test'))]
    .filter((file) => !insideStore(file))
    .flatMap((file) => {
      const storage = specifiers(readFileSync(join(ROOT, file), 'utf8')).filter((s) =>
        STORAGE.some((p) => p.test(s)),
      );
      return storage.length > 0 ? [`${file}: ${[...new Set(storage)].join(', ')}`] : [];
    });
}

test('nothing outside src/store/ and test/store/ imports drizzle-orm, better-sqlite3 or the schema', () => {
  expect(offenders()).toEqual([]);
});

test('the check sees every way a module is imported', () => {
  const source = [
    "import { eq } from 'drizzle-orm';",
    "import type { OutboxRow } from '../store/schema.js';",
    'import {',
    '  type IncidentRow,',
    '  incidents,',
    "} from '../../src/store/schema.js';",
    "export { deploys } from './store/schema';",
    "import Database from 'better-sqlite3';",
    "import 'drizzle-orm/sqlite-core';",
    "const lazy = await import('better-sqlite3');",
    "import { openDb } from '../store/sqlite.js';",
  ].join('\n');
  const storage = specifiers(source).filter((s) => STORAGE.some((p) => p.test(s)));
  expect(storage.sort()).toEqual(
    [
      'drizzle-orm',
      '../store/schema.js',
      '../../src/store/schema.js',
      './store/schema',
      'better-sqlite3',
      'drizzle-orm/sqlite-core',
      'better-sqlite3',
    ].sort(),
  );
});
