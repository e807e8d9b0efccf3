import { expect, test } from 'vitest';
import {
  cell,
  escapeInline,
  fenceFor,
  mdLink,
  messageBlock,
  slackEntities,
  truncateText,
} from '../../src/postmortem/markdown.js';

test('inline text cannot open markup, links or HTML', () => {
  expect(escapeInline('**bold** _it_ [x](http://evil) <script>alert(1)</script> a|b ~~s~~')).toBe(
    '\\*\\*bold\\*\\* \\_it\\_ \\[x\\](http://evil) \\<script\\>alert(1)\\</script\\> a\\|b \\~\\~s\\~\\~',
  );
  expect(escapeInline('line\nbreak')).toBe('line break');
});

test('a table cell stays one line and is bounded', () => {
  expect(cell('a | b\nc')).toBe('a \\| b c');
  expect(cell(null)).toBe('—');
  expect(cell('x'.repeat(500), 20)).toMatch(/^x{20}… \\\[truncated, 480 more characters\\\]$/);
});

test('links are made only for http(s) URLs', () => {
  expect(mdLink('diff', 'https://github.com/a/b/compare/1...2')).toBe(
    '[diff](https://github.com/a/b/compare/1...2)',
  );
  expect(mdLink('x', 'javascript:alert(1)')).toBe('x');
  expect(mdLink('x', 'https://a.example/x) [y](z')).toBe('x');
});

test('Slack entities become readable text', () => {
  expect(
    slackEntities(
      'ping <@U0ANA0001> in <#C0INC|inc-1> see <https://grafana.example/d/1|dashboard> &lt;b&gt; &amp; <!here>',
    ),
  ).toBe('ping @U0ANA0001 in #inc-1 see dashboard (https://grafana.example/d/1) <b> & @here');
});

test('code blocks keep their content inside a fence the code cannot close', () => {
  const block = messageBlock(
    'look:\n```\nSELECT * FROM t WHERE a < 1; -- `x` **\n```\nafter **bold**',
    {
      indent: '  ',
      max: 1000,
    },
  );
  expect(block).toBe(
    '  look:\n\n  ```\n  SELECT * FROM t WHERE a < 1; -- `x` **\n  ```\n\n  after \\*\\*bold\\*\\*',
  );
  expect(fenceFor('a ```` b')).toBe('`````');
  expect(fenceFor('plain')).toBe('```');
});

test('an unclosed fence (a message cut short) runs to the end as code', () => {
  const block = messageBlock(`start \`\`\`${'x'.repeat(50)}`, { indent: '', max: 30 });
  expect(block.split('\n').at(-1)).toBe('```');
  expect(block).toContain('truncated, 29 more characters');
});

test('lines that would start a list, quote or heading are escaped; blank lines make paragraphs', () => {
  const block = messageBlock(
    '- not a list\n> not a quote\n# not a heading\n1. not ordered\n\nnext',
    {
      indent: '  ',
      max: 1000,
    },
  );
  expect(block).toBe(
    '  \\- not a list\\\n  \\> not a quote\\\n  \\# not a heading\\\n  1\\. not ordered\n\n  next',
  );
});

test('unicode survives, control and bidi-override characters do not, surrogate pairs are never split', () => {
  expect(messageBlock('数据库 🔥 émoji\u202Eevil\u0007', { indent: '', max: 100 })).toBe(
    '数据库 🔥 émojievil',
  );
  const cut = truncateText('ab😀cd', 3);
  expect(cut.startsWith('ab…')).toBe(true);
  expect(cut).not.toContain('\ud83d…');
});
