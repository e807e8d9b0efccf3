import { statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ConfigError } from './config.js';
import { doctor } from './doctor.js';
import { isAppError } from './errors.js';
import { serve } from './main.js';
import { peopleIn, renderPostmortem } from './postmortem/draft.js';
import { loadPostmortemRecord } from './postmortem/record.js';
import { knownPeople } from './store/people.js';
import { createPrivateFile, openDb } from './store/sqlite.js';
import { verify } from './timeline/timeline.js';

const USAGE = `firebreak <command>

  serve              run the bot (default)
  migrate            create the database file and apply migrations
  verify             check the timeline's hash chains; exit 1 when a row was changed or removed
  doctor             check the configuration, database, Slack token and scopes, PagerDuty; say what is missing
  backup <file>      copy the database to <file> while the bot runs (SQLite online backup)
  postmortem <n>     print the postmortem draft of incident n (Markdown) to stdout
`;

type Env = Record<string, string | undefined>;

function dbPath(env: Env): string {
  return env.DATABASE_PATH || './data/firebreak.db';
}

const commands: Record<string, (args: string[], env: Env) => Promise<number>> = {
  async serve(_args, env) {
    await serve(env);
    return -1; // keeps running
  },
  async migrate(_args, env) {
    const { close } = openDb(dbPath(env));
    close();
    process.stdout.write(`migrations applied to ${dbPath(env)}\n`);
    return 0;
  },
  async doctor(_args, env) {
    const checks = await doctor(env);
    for (const check of checks)
      process.stdout.write(`${check.ok ? '✓' : '✗'} ${check.name}: ${check.detail}\n`);
    const failed = checks.filter((c) => !c.ok).length;
    process.stdout.write(failed === 0 ? '\nAll good.\n' : `\n${failed} problem(s) to fix.\n`);
    return failed === 0 ? 0 : 1;
  },
  async backup(args, env) {
    const [target] = args;
    if (!target) {
      process.stderr.write('usage: firebreak backup <file>\n');
      return 2;
    }
    const { sqlite, close } = openDb(dbPath(env), { migrate: false });
    try {
      // A copy of the database is as private as the database (0600 when we create it).
      createPrivateFile(target);
      // The online backup API copies a consistent snapshot while the bot keeps writing.
      await sqlite.backup(target);
      process.stdout.write(
        `backed up ${dbPath(env)} to ${target} (${statSync(target).size} bytes)\n`,
      );
      return 0;
    } finally {
      close();
    }
  },
  async verify(_args, env) {
    const { store, close } = openDb(dbPath(env));
    try {
      const result = await store.read((tx) => verify(tx));
      for (const p of result.problems)
        process.stdout.write(`✗ ${p.stream} event ${p.seq}: ${p.problem}\n`);
      process.stdout.write(
        result.problems.length === 0
          ? `✓ ${result.events} events in ${result.streams} timelines, every hash chain intact\n`
          : `✗ ${result.problems.length} problem(s) in ${result.events} events\n`,
      );
      return result.problems.length === 0 ? 0 : 1;
    } finally {
      close();
    }
  },
  async postmortem(args, env) {
    const match = /^(?:INC-)?(\d+)$/i.exec(args[0] ?? '');
    if (!match) {
      process.stderr.write('usage: firebreak postmortem <incident number>\n');
      return 2;
    }
    const { store, close } = openDb(dbPath(env));
    try {
      const record = await store.read((tx) => loadPostmortemRecord(tx, Number(match[1])));
      // The names the bot has looked up before; the CLI does not call Slack.
      const known = await store.read((tx) => knownPeople(tx, peopleIn(record)));
      const names = new Map(known.map((p) => [p.userId, p.name]));
      process.stdout.write(renderPostmortem(record, { generatedAt: new Date(), names }));
      return 0;
    } catch (error) {
      if (!isAppError(error)) throw error;
      process.stderr.write(`firebreak: ${error.message}\n`);
      return 1;
    } finally {
      close();
    }
  },
};

export async function main(argv: string[], env: Env = process.env): Promise<void> {
  const [name = 'serve', ...args] = argv;
  if (name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`firebreak: unknown command "${name}"\n\n${USAGE}`);
    process.exit(2);
  }
  try {
    const code = await command(args, env);
    if (code >= 0) process.exit(code);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`firebreak: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

// `node dist/cli.js <command>` (or through tsx) runs the CLI; bin/firebreak.js imports main().
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`firebreak: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
