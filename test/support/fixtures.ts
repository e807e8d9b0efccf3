import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The shared, real payloads (see ../shared/fixtures/SOURCES.md); never edited by us.
export const FIXTURES = join(import.meta.dirname, '../../../shared/fixtures');

export const fixtureText = (path: string): string => readFileSync(join(FIXTURES, path), 'utf8');
export const fixture = <T = unknown>(path: string): T => JSON.parse(fixtureText(path)) as T;
