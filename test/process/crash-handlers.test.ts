import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, test } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

// A real process: what an uncaught exception and an unhandled rejection do to it.
const SCRIPT = `
import { pino } from 'pino';
import { installCrashHandlers } from ${JSON.stringify(join(ROOT, 'src/crash.ts'))};
const log = pino({ level: 'info' });
installCrashHandlers({
  log,
  shutdown: (reason, code) => {
    process.stdout.write('graceful shutdown: ' + reason + ' ' + code + '\\n');
    setTimeout(() => process.exit(code), 50);
  },
});
Promise.reject(new Error('a rejected promise'));
setTimeout(() => {
  process.stdout.write('still serving after the rejection\\n');
  setTimeout(() => { throw new Error('a bug in a timer'); }, 10);
}, 50);
setInterval(() => {}, 1000);
`;

function run(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', SCRIPT],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('exit', (code) => resolve({ code, out }));
  });
}

test('an unhandled rejection is logged and the process keeps serving; an uncaught exception is logged at fatal and ends in a graceful shutdown with exit 1', async () => {
  const { code, out } = await run();
  const lines = out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string; err?: { message: string } });
  expect(lines).toContainEqual(
    expect.objectContaining({
      level: 50,
      msg: expect.stringMatching(/unhandled rejection/),
      err: expect.objectContaining({ message: 'a rejected promise' }),
    }),
  );
  expect(out).toContain('still serving after the rejection');
  expect(lines).toContainEqual(
    expect.objectContaining({
      level: 60,
      msg: expect.stringMatching(/uncaught exception/),
      err: expect.objectContaining({ message: 'a bug in a timer' }),
    }),
  );
  expect(out).toContain('graceful shutdown: uncaughtException 1');
  expect(code).toBe(1);
}, 30_000);
