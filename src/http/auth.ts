import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './body.js';

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Accepts `Authorization: Bearer <token>`, or Basic auth whose password is the token
 * (Alertmanager's and Grafana's `basic_auth` settings), compared in constant time.
 */
export function requireToken(req: IncomingMessage, token: string | undefined, name: string): void {
  if (!token) throw new HttpError(401, `${name} is not configured, so this route accepts nothing`);
  const header = req.headers.authorization ?? '';
  const [scheme, value = ''] = header.split(/\s+/, 2);
  let presented = '';
  if (scheme?.toLowerCase() === 'bearer') presented = value;
  else if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    presented = decoded.slice(decoded.indexOf(':') + 1);
  }
  if (!presented || !safeEqual(presented, token)) {
    throw new HttpError(401, 'missing or wrong credentials', {}, { 'www-authenticate': 'Bearer' });
  }
}

export const hmacHex = (secret: string, data: Buffer | string): string =>
  createHmac('sha256', secret).update(data).digest('hex');
