// Runs every benchmark in bench/ one after another (npm run bench).
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const here = import.meta.dirname;
// Helpers and the baseline server are not benchmarks.
const NOT_BENCHMARKS = new Set(['run.ts', 'support.ts', 'lib.ts', 'loads.ts']);
for (const file of readdirSync(here).sort()) {
  if (!file.endsWith('.ts') || NOT_BENCHMARKS.has(file)) continue;
  process.stdout.write(`\n== ${file}\n`);
  execFileSync(process.execPath, ['--import', 'tsx', join(here, file)], { stdio: 'inherit' });
}
