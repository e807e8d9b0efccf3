import { execFile } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, as an operator reads them. */
  out: string;
}

/** The real CLI in its own process (`firebreak <args>` from the sources), as an operator runs it. */
export function runCli(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src/cli.ts'), ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? Number(error.code ?? 1) : 0,
          stdout,
          stderr,
          out: stdout + stderr,
        }),
    );
  });
}
