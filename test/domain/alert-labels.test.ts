import { expect, test } from 'vitest';
import { distinguishingLabels } from '../../src/domain/alert-labels.js';

const alert = (title: string, labels: Record<string, string>) => ({ title, labels });

test('alerts sharing a title are told apart by the labels that differ, preferred names first', () => {
  const lines = distinguishingLabels([
    alert('High 5xx', { alertname: 'High5xx', instance: 'api-1', zz: 'a', region: 'eu' }),
    alert('High 5xx', { alertname: 'High5xx', instance: 'api-2', zz: 'b', region: 'eu' }),
    alert('Disk full', { instance: 'db-1' }),
  ]);
  expect(lines).toEqual([
    [
      { name: 'instance', value: 'api-1' },
      { name: 'zz', value: 'a' },
    ],
    [
      { name: 'instance', value: 'api-2' },
      { name: 'zz', value: 'b' },
    ],
    [], // its title is its own: nothing to tell apart
  ]);
});

test('a label one of them lacks differs too, and at most three are named', () => {
  const lines = distinguishingLabels([
    alert('t', { pod: 'p1', node: 'n1', host: 'h1', cluster: 'c1', zone: 'z1' }),
    alert('t', { pod: 'p2', node: 'n2', host: 'h2', cluster: 'c2' }),
  ]);
  expect(lines[0]?.map((d) => d.name)).toEqual(['pod', 'host', 'node']);
  expect(distinguishingLabels([alert('t', { a: '1' }), alert('t', {})])).toEqual([
    [{ name: 'a', value: '1' }],
    [],
  ]);
  expect(distinguishingLabels([alert('t', { a: '1' }), alert('t', { a: '1' })])).toEqual([[], []]);
});
