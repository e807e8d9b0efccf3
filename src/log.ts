import { LogLevel, type Logger as SlackLogger } from '@slack/web-api';
import { type Logger, pino } from 'pino';

export type { Logger };

// Secrets never reach the log, whatever a caller passes in.
const REDACT = [
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'secret',
  'authorization',
  'headers.authorization',
  '*.token',
  '*.secret',
  'req.headers.authorization',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' } }, destination);
}

/** Bolt's Logger interface over pino, so Bolt's own messages are structured like ours. */
export function boltLogger(log: Logger): SlackLogger {
  const child = log.child({ component: 'bolt' });
  let level: LogLevel = LogLevel.INFO;
  const text = (msg: unknown[]) =>
    msg.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
  return {
    debug: (...msg) => child.debug(text(msg)),
    info: (...msg) => child.info(text(msg)),
    warn: (...msg) => child.warn(text(msg)),
    error: (...msg) => child.error(text(msg)),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
