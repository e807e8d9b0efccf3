import type { Logger } from './log.js';

export interface CrashHandlerOptions {
  log: Logger;
  /** Graceful shutdown with this exit code (finish in-flight requests, flush the outbox, close the DB). */
  shutdown: (reason: string, exitCode: number) => void;
  /** Exit anyway after this long if the graceful shutdown hangs. */
  hardExitMs?: number;
  process?: NodeJS.Process;
}

/**
 * What happens to an error nobody caught. Every HTTP request's synchronous and asynchronous
 * work ends in the router's own error path, so these are bugs elsewhere (a timer, a library's
 * event callback), never a request we failed to answer.
 *
 * - An uncaught exception is logged at fatal, then the bot shuts down gracefully and exits 1 so
 *   its supervisor restarts it. Node documents the process state after one as undefined (a
 *   worker loop may have died half-way); everything that matters is in SQLite, committed or not,
 *   so a restart loses nothing, while serving on in an unknown state could silently stop
 *   delivering. Never a silent exit: the log says why.
 * - An unhandled rejection is one promise chain that failed; the state it touched is that chain's
 *   own. It is logged as an error and the bot keeps serving (Node's default would exit).
 */
export function installCrashHandlers(options: CrashHandlerOptions): void {
  const proc = options.process ?? process;
  const { log } = options;
  let crashed = false;
  proc.on('uncaughtException', (error, origin) => {
    log.fatal({ err: error, origin }, 'uncaught exception; shutting down, to be restarted');
    if (crashed) return;
    crashed = true;
    setTimeout(() => proc.exit(1), options.hardExitMs ?? 30_000).unref();
    options.shutdown('uncaughtException', 1);
  });
  proc.on('unhandledRejection', (reason) => {
    log.error({ err: reason }, 'unhandled rejection; still serving');
  });
}
