// Reading what people type after `/incident <subcommand>`. Slack sends the text with `&`, `<`
// and `>` escaped, and (with should_escape in the manifest) mentions as <@U123|name>.

import { type OpenState, SEVERITIES, type Severity } from '../../domain/incident.js';
import { AppError } from '../../errors.js';

/** Slack's escaping undone, so the text is stored as typed (the renderer escapes again). */
export const unescapeSlack = (text: string): string =>
  text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

const SEVERITY_WORD = /^(?:sev)?(\d+)$/i;

/** "sev2", "SEV2" or "2" → sev2; anything else is a clear refusal. */
export function parseSeverity(word: string): Severity {
  const n = SEVERITY_WORD.exec(word.trim())?.[1];
  const severity = `sev${n}` as Severity;
  if (!n || !SEVERITIES.includes(severity)) {
    throw new AppError(
      'invalid',
      `\`${word.trim() || '(nothing)'}\` is not a severity. Use sev1, sev2, sev3 or sev4 (sev1 is the worst).`,
    );
  }
  return severity;
}

/**
 * `declare [sev1-4] <title>`. Only a leading `sev<N>` is read as the severity, so a title
 * may start with a number ("500s on checkout"); `sev7 …` is refused rather than made a title.
 */
export function parseDeclare(args: string): {
  severity: Severity | null;
  title: string;
  private: boolean;
} {
  // `--private` (or `—private`: Slack clients turn `--` into an em dash) before the title.
  const flag = /^(?:--|—)private(?:\s+|$)/i;
  let rest = args.trim();
  let isPrivate = false;
  let severity: Severity | null = null;
  for (let i = 0; i < 2; i++) {
    if (flag.test(rest)) {
      isPrivate = true;
      rest = rest.replace(flag, '');
      continue;
    }
    const [first = ''] = rest.split(/\s+/);
    if (severity === null && /^sev\d+$/i.test(first)) {
      severity = parseSeverity(first);
      rest = rest.slice(first.length).trim();
    }
  }
  return { severity, title: rest, private: isPrivate };
}

const USER = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^([UW][A-Z0-9]{2,})$/;

/** `<@U123|dana>` (or a bare user id) → U123; `me` → the person typing. */
export function parseUser(word: string, self: string): string {
  const text = word.trim();
  if (text.toLowerCase() === 'me') return self;
  const match = USER.exec(text);
  const id = match?.[1] ?? match?.[2];
  if (!id) {
    throw new AppError(
      'invalid',
      text
        ? `\`${text}\` is not a Slack user. Mention them: \`/incident owner @name\` (or \`me\`).`
        : 'Say who: `/incident owner @name` (or `me`).',
    );
  }
  return id;
}

const WORKING_STATES: readonly OpenState[] = ['investigating', 'identified', 'monitoring'];

/** `state investigating|identified|monitoring`; resolving has its own command. */
export function parseState(word: string): OpenState {
  const state = word.trim().toLowerCase();
  if (state === 'resolved')
    throw new AppError('invalid', 'Use `/incident resolve [summary]` to resolve an incident.');
  const found = WORKING_STATES.find((s) => s === state);
  if (!found) {
    throw new AppError(
      'invalid',
      `\`${word.trim() || '(nothing)'}\` is not a state. Use ${WORKING_STATES.map((s) => `\`${s}\``).join(', ')}.`,
    );
  }
  return found;
}
