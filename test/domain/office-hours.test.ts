import { describe, expect, test } from 'vitest';
import {
  isTimeZone,
  nextWorkingMoment,
  type OfficeHours,
  waitsForOfficeHours,
} from '../../src/domain/office-hours.js';

const WEEKDAYS: OfficeHours = {
  startMinute: 9 * 60,
  endMinute: 18 * 60,
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  timeZone: 'UTC',
};
const at = (iso: string) => new Date(iso);
const next = (iso: string, zone: string, hours = WEEKDAYS) =>
  nextWorkingMoment(at(iso), hours, zone).toISOString();

describe('nextWorkingMoment', () => {
  // 2026-12-07 is a Monday; Berlin is UTC+1 in December.
  test('during working hours it is now', () => {
    expect(next('2026-12-07T09:00:00.000Z', 'Europe/Berlin')).toBe('2026-12-07T09:00:00.000Z');
  });

  test('before the day starts it is the start of that day, in the person’s zone', () => {
    expect(next('2026-12-07T07:00:00.000Z', 'Europe/Berlin')).toBe('2026-12-07T08:00:00.000Z');
    expect(next('2026-12-07T07:00:00.000Z', 'Asia/Kolkata')).toBe('2026-12-07T07:00:00.000Z');
    expect(next('2026-12-07T02:00:00.000Z', 'Asia/Kolkata')).toBe('2026-12-07T03:30:00.000Z');
  });

  test('the end is not working time: 18:00 waits for the next morning', () => {
    expect(next('2026-12-07T17:00:00.000Z', 'Europe/Berlin')).toBe('2026-12-08T08:00:00.000Z');
    expect(next('2026-12-07T16:59:00.000Z', 'Europe/Berlin')).toBe('2026-12-07T16:59:00.000Z');
  });

  test('Friday evening and the weekend wait for Monday', () => {
    expect(next('2026-12-11T19:00:00.000Z', 'Europe/Berlin')).toBe('2026-12-14T08:00:00.000Z');
    expect(next('2026-12-12T12:00:00.000Z', 'Europe/Berlin')).toBe('2026-12-14T08:00:00.000Z');
    // Sunday evening in San Francisco is already Monday in UTC: the person's calendar counts.
    expect(next('2026-12-14T03:00:00.000Z', 'America/Los_Angeles')).toBe(
      '2026-12-14T17:00:00.000Z',
    );
  });

  test('a start the spring change skips comes as the clocks show it after the jump', () => {
    // 2026-03-08: New York clocks go from 02:00 EST to 03:00 EDT.
    const sundays: OfficeHours = { ...WEEKDAYS, startMinute: 150, endMinute: 600, days: ['sun'] };
    expect(next('2026-03-08T05:00:00.000Z', 'America/New_York', sundays)).toBe(
      '2026-03-08T07:30:00.000Z',
    );
    // The start on an ordinary day after the change uses the summer offset.
    expect(next('2026-03-09T05:00:00.000Z', 'America/New_York')).toBe('2026-03-09T13:00:00.000Z');
    // A start the autumn change repeats (01:30 twice on 2026-11-01) is the first one.
    const early: OfficeHours = { ...WEEKDAYS, startMinute: 90, endMinute: 600, days: ['sun'] };
    expect(next('2026-11-01T03:00:00.000Z', 'America/New_York', early)).toBe(
      '2026-11-01T05:30:00.000Z',
    );
  });
});

test('only sev3 and sev4 wait for office hours', () => {
  expect(['sev1', 'sev2', 'sev3', 'sev4'].map((s) => waitsForOfficeHours(s as 'sev1'))).toEqual([
    false,
    false,
    true,
    true,
  ]);
});

test('time zones are checked against what the runtime knows', () => {
  expect(isTimeZone('Europe/Berlin')).toBe(true);
  expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
});
