// Small helpers shared by the benchmarks: temp databases, timing, memory, tables.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { incidents } from '../src/store/schema.js';
import { openDb } from '../src/store/sqlite.js';
import type { Tx } from '../src/store/unit-of-work.js';

setFlagsFromString('--expose-gc');
const gcFn = runInNewContext('gc') as () => void;

/** Full garbage collection, so heap numbers mean what is still reachable. */
export function gc(): void {
  gcFn();
  gcFn();
}

export const heapMb = () => process.memoryUsage().heapUsed / 1024 / 1024;

/** A fresh SQLite file with the real migrations and production pragmas (WAL, synchronous=FULL). */
export function tempDb() {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-bench-'));
  const opened = openDb(join(dir, 'bench.db'));
  return {
    ...opened,
    dispose() {
      opened.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function insertIncident(tx: Tx, at: Date, title = 'Bench incident'): Promise<number> {
  return tx
    .insert(incidents)
    .values({
      title,
      severity: 'sev1',
      state: 'resolved',
      ownerId: 'U0ANA0001',
      environment: 'production',
      source: 'alert',
      impactStartedAt: at,
      detectedAt: at,
      declaredAt: at,
      acknowledgedAt: new Date(at.getTime() + 60_000),
      mitigatedAt: new Date(at.getTime() + 3_600_000),
      resolvedAt: new Date(at.getTime() + 7_200_000),
      resolution: 'Rolled back.',
      createdAt: at,
      updatedAt: at,
    })
    .returning({ id: incidents.id })
    .get().id;
}

/** Runs `fn` `runs` times after `warmup` runs; returns the times in ms, sorted. */
export async function time(fn: () => unknown, runs: number, warmup = 2): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b);
}
