import type { Severity } from './incident.js';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** When people work, in their own time zone; `timeZone` is for whoever's zone is unknown. */
export interface OfficeHours {
  /** Minutes after local midnight; the window is [start, end) on each of `days`. */
  startMinute: number;
  endMinute: number;
  days: readonly Weekday[];
  /** IANA zone used when a person's own zone is not known (not looked up yet, or no owner). */
  timeZone: string;
}

/** sev1 and sev2 never wait for anyone's working day; the milder ones do. */
export const waitsForOfficeHours = (severity: Severity): boolean =>
  severity === 'sev3' || severity === 'sev4';

/** True when `timeZone` is a zone this runtime knows (Intl throws a RangeError otherwise). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The first moment at or after `at` inside the working hours of someone in `timeZone`: `at`
 * itself during working hours, otherwise the start of the next working day's hours. Searched
 * day by day over two weeks, which any non-empty set of days satisfies.
 */
export function nextWorkingMoment(at: Date, hours: OfficeHours, timeZone: string): Date {
  const local = localParts(at, timeZone);
  for (let offset = 0; offset <= 14; offset++) {
    // Noon UTC of the local calendar day `offset` days on: a day is never skipped or repeated.
    const day = new Date(Date.UTC(local.year, local.month - 1, local.day + offset, 12));
    const weekday = WEEKDAYS[day.getUTCDay()];
    if (!weekday || !hours.days.includes(weekday)) continue;
    const date = {
      year: day.getUTCFullYear(),
      month: day.getUTCMonth() + 1,
      day: day.getUTCDate(),
    };
    const start = instantOf(date, hours.startMinute, timeZone);
    const end = instantOf(date, hours.endMinute, timeZone);
    if (at < end) return at > start ? at : start;
  }
  return at;
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock reading in `timeZone` at `at`. */
function localParts(at: Date, timeZone: string): LocalParts {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  const parts: Record<string, number> = {};
  for (const { type, value } of format.formatToParts(at)) parts[type] = Number(value);
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** How far `timeZone`'s clock is ahead of UTC at `at`, in ms. */
function offsetAt(at: Date, timeZone: string): number {
  const p = localParts(at, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/**
 * The instant the clocks in `timeZone` read `minute` minutes after midnight on `date`. Near a
 * daylight-saving change the offset is asked again at the first guess. A wall time the change
 * skips comes out as the clocks show it after the jump (02:30 → 03:30); one that happens twice
 * comes out the first time.
 */
function instantOf(
  date: { year: number; month: number; day: number },
  minute: number,
  timeZone: string,
): Date {
  const wall = Date.UTC(date.year, date.month - 1, date.day, 0, minute);
  const guessOffset = offsetAt(new Date(wall), timeZone);
  const first = wall - guessOffset;
  const offset = offsetAt(new Date(first), timeZone);
  if (offset === guessOffset) return new Date(first);
  const second = wall - offset;
  if (offsetAt(new Date(second), timeZone) === offset) return new Date(second);
  return new Date(Math.max(first, second));
}
