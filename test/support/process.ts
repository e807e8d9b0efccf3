import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { INGEST_TOKEN, SIGNING_SECRET } from './app.js';

const ROOT = join(import.meta.dirname, '../..');

export interface BotProcess {
  child: ChildProcess;
  base: string;
  output(): string;
  /** SIGKILL: no shutdown code runs, like a power cut for the process. */
  kill9(): Promise<void>;
  /** SIGTERM, the graceful path; resolves with the exit code. */
  terminate(): Promise<number | null>;
}

/** The real bot as its own process (`firebreak serve` from the sources), for crash tests. */
export async function startBotProcess(
  env: Record<string, string>,
  port: number,
  { maxOpenFiles }: { maxOpenFiles?: number } = {},
): Promise<BotProcess> {
  const node = [process.execPath, '--import', 'tsx', join(ROOT, 'src/cli.ts'), 'serve'];
  // prlimit execs node, so the child is the bot itself (signals reach it directly).
  const argv = maxOpenFiles ? ['prlimit', `--nofile=${maxOpenFiles}`, ...node] : node;
  const child = spawn(argv[0] as string, argv.slice(1), {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bot exited during start-up:\n${out}`);
    try {
      if ((await fetch(`${base}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`bot did not become ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return {
    child,
    base,
    output: () => out,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async terminate() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The environment of a bot process using `dir` for its database and config file. */
export function botEnv(slackApiUrl: string, dir: string, config = 'none.yaml') {
  return {
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slackApiUrl,
    DATABASE_PATH: join(dir, 'firebreak.db'),
    FIREBREAK_CONFIG: join(dir, config),
    INGEST_TOKEN,
    LOG_LEVEL: 'error',
  };
}
