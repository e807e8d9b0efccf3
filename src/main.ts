import { pathToFileURL } from 'node:url';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { installCrashHandlers } from './crash.js';
import { createLogger } from './log.js';

/** Runs the bot until SIGTERM/SIGINT, then shuts down gracefully. */
export async function serve(env: Record<string, string | undefined>): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`firebreak: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  const app = createApp(config, { log });
  let stopping = false;
  const stop = (reason: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, 'shutting down');
    app.stop({ timeoutMs: 20_000 }).then(
      () => process.exit(exitCode),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  installCrashHandlers({ log, shutdown: stop });
  await app.start();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  serve(process.env).catch((error: unknown) => {
    process.stderr.write(`firebreak: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
