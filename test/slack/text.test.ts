import { expect, test } from 'vitest';
import { AppError } from '../../src/errors.js';
import {
  escapeKeepingMentions,
  escapeText,
  link,
  safeUrl,
  truncateMarkup,
  URL_MAX,
} from '../../src/slack/blocks/text.js';
import { slackErrorText } from '../../src/slack/errors.js';

/** The attack: close the link early, @channel, then a link that says Grafana and is not. */
const ATTACK = 'https://x> <!channel> <https://evil|Grafana';

test.each([
  // [url, what link() makes of it]
  [
    'https://grafana.example.com/d/abc?orgId=1',
    '<https://grafana.example.com/d/abc?orgId=1|label>',
  ],
  [
    'http://prom.internal:9090/graph?g0.expr=up',
    '<http://prom.internal:9090/graph?g0.expr=up|label>',
  ],
  // `&` is escaped like everywhere else in mrkdwn; Slack decodes it back in the link.
  ['https://ci.example.com/r?a=1&b=2', '<https://ci.example.com/r?a=1&amp;b=2|label>'],
  // Already percent-encoded markup is just a URL.
  ['https://ci.example.com/q?e=a%7Cb%3C', '<https://ci.example.com/q?e=a%7Cb%3C|label>'],
  // Refused: the label alone, as text.
  [ATTACK, 'label'],
  ['https://ci.example.com/run> <!channel> <https://evil.example.com|Grafana', 'label'],
  ['https://ci.example.com/run><!here><https://evil.example.com|Grafana', 'label'],
  ['https://ci.example.com/a|b', 'label'],
  ['https://ci.example.com/a b', 'label'],
  ['https://ci.example.com/a\tb', 'label'],
  ['https://ci.example.com/a\nb', 'label'],
  ['https://ci.example.com/\u0000', 'label'],
  ['https://ci.example.com/\u202Egro.live', 'label'], // right-to-left override
  ['https://ci.example.com\u200B.evil.example.com/', 'label'], // zero-width space
  [' https://ci.example.com/', 'label'],
  ['https://grafana.example.com@evil.example.com/', 'label'], // credentials trick
  ['https://user:pass@ci.example.com/', 'label'],
  ['javascript:alert(1)', 'label'],
  ['data:text/html,<script>alert(1)</script>', 'label'],
  ['ftp://files.example.com/x', 'label'],
  ['mailto:x@example.com', 'label'],
  ['//evil.example.com/', 'label'],
  ['not a url', 'label'],
  ['', 'label'],
  [null, 'label'],
  [undefined, 'label'],
])('link(%j)', (url, expected) => {
  expect(link(url, 'label')).toBe(expected);
});

test('a link label is escaped and cannot end the link early', () => {
  expect(link('https://ci.example.com/', '<!channel> a|b & c')).toBe(
    '<https://ci.example.com/|&lt;!channel&gt; a¦b &amp; c>',
  );
  expect(link(ATTACK, '<!here> v2')).toBe('&lt;!here&gt; v2');
});

test('safeUrl: http(s) only, normalised, at most URL_MAX characters (button urls)', () => {
  expect(safeUrl('HTTPS://CI.Example.com/Run')).toBe('https://ci.example.com/Run');
  expect(safeUrl(`https://ci.example.com/${'a'.repeat(URL_MAX - 24)}`)?.length).toBe(URL_MAX - 1);
  expect(safeUrl(`https://ci.example.com/${'a'.repeat(URL_MAX)}`)).toBeNull();
  expect(link(`https://ci.example.com/${'a'.repeat(URL_MAX)}`, 'label')).toBe('label');
  expect(safeUrl(ATTACK)).toBeNull();
});

test.each([
  ['<!channel>', '&lt;!channel&gt;'],
  ['<!here> <!everyone>', '&lt;!here&gt; &lt;!everyone&gt;'],
  ['<@U0EVIL0001> <#C0EVIL0001>', '&lt;@U0EVIL0001&gt; &lt;#C0EVIL0001&gt;'],
  ['<!subteam^S0EVIL|oncall>', '&lt;!subteam^S0EVIL|oncall&gt;'],
  ['<https://evil|Grafana>', '&lt;https://evil|Grafana&gt;'],
  ['&lt; stays as typed', '&amp;lt; stays as typed'],
  ['a & b', 'a &amp; b'],
  ['plain', 'plain'],
])('escapeText(%j)', (text, expected) => {
  expect(escapeText(text)).toBe(expected);
});

test("escapeKeepingMentions keeps people's user, channel and group mentions, never a broadcast", () => {
  expect(
    escapeKeepingMentions('<@U0ALICE01|alice> <#C0OPS0001|ops> <!subteam^S0LEADS|leads> ok'),
  ).toBe('<@U0ALICE01|alice> <#C0OPS0001|ops> <!subteam^S0LEADS|leads> ok');
  expect(escapeKeepingMentions('<!channel> <!here> <!everyone> <https://evil|x>')).toBe(
    '&lt;!channel&gt; &lt;!here&gt; &lt;!everyone&gt; &lt;https://evil|x&gt;',
  );
});

test('truncateMarkup never leaves half a token or half an entity', () => {
  const date = '<!date^1796490814^{time}|17:13 UTC>';
  expect(truncateMarkup(`abc ${date}`, 20, '…')).toBe('abc …');
  expect(truncateMarkup('abc &lt;!channel&gt;', 8, '…')).toBe('abc …');
  expect(truncateMarkup('<https://a.example.com/|x> tail', 27, '…')).toBe(
    '<https://a.example.com/|x>…',
  );
  expect(truncateMarkup('short', 10)).toBe('short');
});

test('an error reply escapes what the core quoted and keeps only the mentions it meant', () => {
  const error = new AppError(
    'conflict',
    'Rollback of <@U0EVIL0001> by <@U0DEPLOYER> failed: <!channel> <https://evil|Grafana>',
    { mentions: ['U0DEPLOYER'] },
  );
  expect(slackErrorText(error)).toBe(
    'Rollback of &lt;@U0EVIL0001&gt; by <@U0DEPLOYER> failed: &lt;!channel&gt; &lt;https://evil|Grafana&gt;',
  );
});
