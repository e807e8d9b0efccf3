import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// Real payloads from the tools themselves, copied verbatim from the team's shared set
// (test/fixtures/SOURCES.md says where each comes from); never edited by us.
export const FIXTURES = join(import.meta.dirname, '../fixtures');

export const fixtureText = (path: string): string => readFileSync(join(FIXTURES, path), 'utf8');
export const fixture = <T = unknown>(path: string): T => JSON.parse(fixtureText(path)) as T;
