// Block Kit → terminal text, for the demo's transcript: roughly what a person sees in Slack.

const NAMES: Record<string, string> = { U0DANA0001: 'dana', U0ANA00001: 'ana' };

function relative(epochSeconds: number): string {
  const s = Math.round(epochSeconds - Date.now() / 1000);
  return s >= 0 ? `in ${s} s` : `${-s} s ago`;
}

/** Slack's mrkdwn markup → readable text (mentions, links, dates, entities). */
export function plainText(mrkdwn: string): string {
  return (
    mrkdwn
      // {ago} counts down live in Slack; the transcript shows it as of now.
      .replace(/<!date\^(\d+)\^\{ago\}\|[^>]*>/g, (_, epoch: string) => relative(Number(epoch)))
      .replace(/<!date\^\d+\^[^|>]*\|([^>]*)>/g, '$1')
      .replace(/<@([A-Z0-9]+)(?:\|[^>]*)?>/g, (_, id: string) => `@${NAMES[id] ?? id}`)
      .replace(/<#([A-Z0-9]+)(?:\|([^>]*))?>/g, (_, id: string, name?: string) => `#${name ?? id}`)
      .replace(/<!here>/g, '@here')
      .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2')
      .replace(/<(https?:[^>]+)>/g, '$1')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
  );
}

interface Block {
  type: string;
  text?: { text: string };
  accessory?: { type: string; text?: { text: string } };
  fields?: { text: string }[];
  elements?: { type: string; text?: { text: string } | string; options?: unknown[] }[];
}

export function renderBlocks(blocks: unknown, indent: string): string {
  const lines: string[] = [];
  for (const block of (blocks ?? []) as Block[]) {
    switch (block.type) {
      case 'header':
        lines.push(`# ${plainText(block.text?.text ?? '')}`);
        break;
      case 'section':
        if (block.text) {
          const text = plainText(block.text.text).split('\n');
          if (block.accessory?.type === 'button')
            text[text.length - 1] += `  [${block.accessory.text?.text}]`;
          lines.push(...text);
        }
        if (block.fields)
          lines.push(block.fields.map((f) => plainText(f.text).replace('\n', ': ')).join('   '));
        break;
      case 'context':
        lines.push(
          (block.elements ?? [])
            .map((e) => plainText(typeof e.text === 'string' ? e.text : (e.text?.text ?? '')))
            .join(' '),
        );
        break;
      case 'actions':
        lines.push(
          (block.elements ?? [])
            .map((e) =>
              e.type === 'button'
                ? `[${typeof e.text === 'string' ? e.text : e.text?.text}]`
                : '[Severity ▾]',
            )
            .join(' '),
        );
        break;
      case 'divider':
        lines.push('────────');
        break;
      default:
        break;
    }
  }
  return lines.map((l) => `${indent}${l}`).join('\n');
}
