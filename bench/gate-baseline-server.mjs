// The baselines the gate benchmark (bench/gate.ts) compares against, as their own process like
// the bot, in plain JavaScript:
//   BASELINE=constant — a bare node:http server answering {"allowed":true};
//   BASELINE=sqlite   — the same after reading the active freezes from the bot's SQLite file with
//                       one prepared statement and matching their globs, on every request.
import { createServer } from 'node:http';
import Database from 'better-sqlite3';

const mode = process.env.BASELINE ?? 'constant';
const db =
  mode === 'sqlite' ? new Database(process.env.DATABASE_PATH ?? '', { readonly: true }) : null;
const active = db?.prepare(
  'SELECT services, environments FROM freezes WHERE lifted_at IS NULL AND expires_at > ? AND created_at <= ?',
);
const glob = (pattern, value) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  ).test(value);

createServer((req, res) => {
  if (req.url === '/readyz') return void res.end('ok');
  let allowed = true;
  if (active) {
    const now = Date.now();
    const service = new URL(req.url ?? '/', 'http://x').searchParams.get('service') ?? '';
    allowed = !active
      .all(now, now)
      .some(
        (f) =>
          JSON.parse(f.services).some((p) => glob(p, service)) &&
          JSON.parse(f.environments).some((p) => glob(p, 'production')),
      );
  }
  res.writeHead(allowed ? 200 : 423, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ allowed }));
}).listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
