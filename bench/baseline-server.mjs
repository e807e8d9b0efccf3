// Plain JavaScript, so it starts as fast as node can (the start-up benchmark uses it too).
// The baseline the ingest benchmark compares against: a bare node:http server that parses the
// JSON body and inserts one row with better-sqlite3 in WAL mode, with the same durability
// setting as the bot (synchronous=FULL), and nothing else: no auth, no validation, no outbox.
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

const path = process.env.DATABASE_PATH ?? './bench/out/baseline.db';
mkdirSync(dirname(path), { recursive: true });
const db = new Database(path);
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${process.env.BASELINE_SYNCHRONOUS ?? 'FULL'}`);
db.exec('CREATE TABLE IF NOT EXISTS alerts (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
const insert = db.prepare('INSERT INTO alerts (body) VALUES (?)');

createServer((req, res) => {
  if (req.url === '/readyz') return void res.end('ok');
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    insert.run(JSON.stringify(body));
    res.writeHead(202, { 'content-type': 'application/json' });
    res.end('{"accepted":1}');
  });
}).listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
