import { expect, test } from 'vitest';
import { incidentPicture } from '../../src/postmortem/picture.js';
import type { PostmortemRecord } from '../../src/postmortem/record.js';

const at = (hhmm: string, day = '2026-12-06') => new Date(`${day}T${hhmm}:00Z`);

function record(over: { deploys?: PostmortemRecord['deploys']; resolvedAt?: Date }) {
  return {
    incident: {
      id: 9,
      impactStartedAt: null,
      detectedAt: at('23:50', '2026-12-05'),
      declaredAt: at('23:50', '2026-12-05'),
      acknowledgedAt: null,
      mitigatedAt: null,
      resolvedAt: over.resolvedAt ?? null,
    },
    deploys: over.deploys ?? [],
    rollbacks: [],
  } as unknown as PostmortemRecord;
}

test('outside text cannot break the diagram or close the fence; a second day shows dates', () => {
  const picture = incidentPicture(
    record({
      resolvedAt: at('00:20'),
      deploys: [
        {
          deployId: 1,
          service: 'check:out',
          environment: 'production',
          version: 'v1;#35;\n```\n<script>',
          previousVersion: null,
          status: 'succeeded',
          actor: null,
          url: null,
          compareUrl: null,
          at: at('23:45', '2026-12-05'),
          verdict: 'suspect',
          verdictBy: null,
        },
      ],
    }),
  );
  const lines = picture.split('\n');
  expect(lines[0]).toBe('```mermaid');
  expect(lines.at(-1)).toBe('```');
  // One fence only, and every event line has exactly one separator.
  expect(picture.match(/```/g)).toHaveLength(2);
  for (const line of lines.slice(3, -1)) expect(line.match(/ : /g)).toHaveLength(1);
  expect(lines).toContain('    2026-12-05 23:45 : Deploy check out v1 35 script');
  expect(lines.at(-2)).toBe('    2026-12-06 00:20 : Resolved');
  expect(picture).not.toMatch(/[;#<>]/);
});
