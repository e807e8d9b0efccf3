import { execFile } from 'node:child_process';
import type { RollbackBackend, RollbackProgress, RollbackRequest } from '../backend.js';
import { fill } from '../template.js';
import { seconds } from './http.js';

// Runs an argv template with execFile: no shell, so `;`, `$(…)` and quotes in a value are just
// characters of one argument; and every `{{value}}` is checked against its rule before the
// process starts (src/deploy/template.ts). `kubectl rollout undo … --to-revision={{revision}}`,
// `helm rollback checkout {{revision}}`, a team's own script.

export interface CommandBackendConfig {
  argv: readonly string[];
  timeoutMs: number;
  cwd?: string;
  /** The command's whole environment (config: PATH, HOME and its `env`), never the bot's. */
  env: Readonly<Record<string, string>>;
}

const OUTPUT_KEEP = 64 * 1024;

export function commandBackend(config: CommandBackendConfig): RollbackBackend {
  const [program = ''] = config.argv;

  const argvFor = (request: RollbackRequest) => config.argv.map((part) => fill(part, request));

  function start(request: RollbackRequest): Promise<RollbackProgress> {
    const [file = '', ...args] = argvFor(request);
    return new Promise((resolve) => {
      execFile(
        file,
        args,
        {
          cwd: config.cwd,
          // Without `env`, execFile passes the bot's whole environment: its Slack token, ingest
          // and API tokens, webhook secrets. A rollback script needs none of them.
          env: { ...config.env },
          timeout: config.timeoutMs,
          killSignal: 'SIGKILL',
          maxBuffer: 16 * 1024 * 1024,
          windowsHide: true,
        },
        (error, stdout, stderr) => {
          const output = [String(stdout).trim(), String(stderr).trim()]
            .filter(Boolean)
            .join('\n')
            .slice(-OUTPUT_KEEP);
          if (!error) {
            resolve({ status: 'succeeded', output, detail: `\`${file}\` finished` });
            return;
          }
          const e = error as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null };
          const reason =
            e.code === 'ENOENT'
              ? `\`${file}\` was not found`
              : e.killed || e.signal
                ? `\`${file}\` did not finish within ${seconds(config.timeoutMs)} and was stopped`
                : typeof e.code === 'number'
                  ? `\`${file}\` exited with code ${e.code}`
                  : `\`${file}\` failed: ${e.message}`;
          resolve({ status: 'failed', reason, output });
        },
      );
    });
  }

  return {
    kind: 'command',
    label: `command ${program}`,
    waitForMs: config.timeoutMs,
    pollIntervalMs: 1000,
    // A command may not be safe to run twice (it could roll back one revision further).
    idempotentStart: false,
    validate: (request) => void argvFor(request),
    start,
    // It finishes within start(); there is never anything to ask later.
    poll: async () => ({
      status: 'failed',
      reason: 'a command rollback cannot be followed after a restart',
    }),
  };
}
