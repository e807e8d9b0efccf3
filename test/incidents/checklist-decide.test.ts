import { expect, test } from 'vitest';
import { clickedChange, stepsFor } from '../../src/incidents/checklist-decide.js';

test('a click is the difference between the card that was clicked and what Slack sent back', () => {
  expect(clickedChange([], ['a'])).toEqual({ ticked: ['a'], unticked: [] });
  expect(clickedChange(['a', 'b'], ['b'])).toEqual({ ticked: [], unticked: ['a'] });
  // Someone else ticked c meanwhile; this card never showed it, so this click says nothing about c.
  expect(clickedChange(['a'], ['a', 'b'])).toEqual({ ticked: ['b'], unticked: [] });
  expect(clickedChange(['a'], ['a'])).toEqual({ ticked: [], unticked: [] });
});

test("the incident's steps are its services' checklists in order, each once, capped", () => {
  const lists: Record<string, string[]> = { checkout: ['a', 'b'], search: ['b', 'c', 'd'] };
  const of = (s: string) => lists[s] ?? [];
  expect(stepsFor(['checkout', 'search'], of, 10)).toEqual(['a', 'b', 'c', 'd']);
  expect(stepsFor(['checkout', 'search'], of, 3)).toEqual(['a', 'b', 'c']);
  expect(stepsFor(['unknown'], of, 10)).toEqual([]);
});
