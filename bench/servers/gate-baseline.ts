// The baselines the gate benchmark compares against, as their own process like the bot:
// BASELINE=constant — a bare node:http server answering {"allowed":true};
// BASELINE=sqlite   — the same, after reading the active freezes from the bot's SQLite file
//                     with one prepared statement and matching their globs.
import { createServer } from 'node:http';
import Database from 'better-sqlite3';
import { blockingFreezes, type FreezeWindow } from '../../src/deploy/freeze.js';

const mode = process.env.BASELINE ?? 'constant';
const db =
  mode === 'sqlite' ? new Database(process.env.DATABASE_PATH ?? '', { readonly: true }) : null;
const active = db?.prepare(
  'SELECT * FROM freezes WHERE lifted_at IS NULL AND expires_at > ? AND created_at <= ?',
);

createServer((req, res) => {
  if (req.url === '/readyz') return void res.end('ok');
  let allowed = true;
  if (active) {
    const at = new Date();
    const url = new URL(req.url ?? '/', 'http://x');
    const rows = (active.all(at.getTime(), at.getTime()) as Record<string, unknown>[]).map(
      (r): FreezeWindow => ({
        id: Number(r.id),
        services: JSON.parse(String(r.services)),
        environments: JSON.parse(String(r.environments)),
        createdAt: new Date(Number(r.created_at)),
        expiresAt: new Date(Number(r.expires_at)),
        liftedAt: null,
        blocksRollbacks: false,
      }),
    );
    allowed =
      blockingFreezes(
        rows,
        { service: url.searchParams.get('service') ?? '', environment: 'production' },
        at,
      ).length === 0;
  }
  res.writeHead(allowed ? 200 : 423, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ allowed }));
}).listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
