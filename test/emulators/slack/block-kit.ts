// Block Kit limits that real Slack enforces and off-the-shelf emulators ignore (slack-platform.md §5).
// Messages are formatted like Slack's: "[ERROR] <what> [json-pointer:/blocks/0/text/text]".
import { fail, isRecord, type SlackFail } from './model.js';

export const MESSAGE_BLOCK_LIMIT = 50;
export const VIEW_BLOCK_LIMIT = 100;
/** Undocumented total cap on block text (bolt-js#2509); Slack answers msg_blocks_too_long. */
export const MESSAGE_BLOCKS_TEXT_LIMIT = 13_000;

type Problems = string[];

const INTERACTIVE_ELEMENTS = new Set([
  'button',
  'checkboxes',
  'datepicker',
  'datetimepicker',
  'timepicker',
  'email_text_input',
  'url_text_input',
  'number_input',
  'plain_text_input',
  'rich_text_input',
  'file_input',
  'radio_buttons',
  'overflow',
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'multi_static_select',
  'multi_external_select',
  'multi_users_select',
  'multi_conversations_select',
  'multi_channels_select',
  'workflow_button',
]);

function add(problems: Problems, message: string, pointer: string): void {
  problems.push(`[ERROR] ${message} [json-pointer:${pointer}]`);
}

function maxLength(problems: Problems, value: unknown, max: number, pointer: string): void {
  if (typeof value === 'string' && value.length > max) {
    add(problems, `must be less than ${max + 1} characters`, pointer);
  }
}

function maxItems(problems: Problems, value: unknown, max: number, pointer: string): void {
  if (Array.isArray(value) && value.length > max) {
    add(problems, `no more than ${max} items allowed`, pointer);
  }
}

function minItems(problems: Problems, value: unknown, min: number, pointer: string): void {
  if (!Array.isArray(value) || value.length < min) {
    add(problems, `must provide at least ${min} items`, pointer);
  }
}

interface TextRules {
  max: number;
  plainOnly?: boolean;
}

function textObject(problems: Problems, value: unknown, pointer: string, rules: TextRules): void {
  if (!isRecord(value)) {
    add(problems, 'must be a text object', pointer);
    return;
  }
  const allowed = rules.plainOnly ? ['plain_text'] : ['plain_text', 'mrkdwn'];
  if (typeof value.type !== 'string' || !allowed.includes(value.type)) {
    add(problems, `must be one of: ${allowed.join(', ')}`, `${pointer}/type`);
  }
  if (typeof value.text !== 'string') {
    add(problems, 'missing required field: text', pointer);
    return;
  }
  if (value.text.length === 0) add(problems, 'must be more than 0 characters', `${pointer}/text`);
  maxLength(problems, value.text, rules.max, `${pointer}/text`);
}

function optionalText(problems: Problems, value: unknown, pointer: string, rules: TextRules): void {
  if (value !== undefined && value !== null) textObject(problems, value, pointer, rules);
}

function confirmDialog(problems: Problems, value: unknown, pointer: string): void {
  if (value === undefined) return;
  if (!isRecord(value)) {
    add(problems, 'must be a confirmation dialog object', pointer);
    return;
  }
  textObject(problems, value.title, `${pointer}/title`, { max: 100, plainOnly: true });
  textObject(problems, value.text, `${pointer}/text`, { max: 300 });
  textObject(problems, value.confirm, `${pointer}/confirm`, { max: 30, plainOnly: true });
  textObject(problems, value.deny, `${pointer}/deny`, { max: 30, plainOnly: true });
}

function options(problems: Problems, value: unknown, pointer: string, max: number): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    add(problems, 'must be an array', pointer);
    return;
  }
  maxItems(problems, value, max, pointer);
  value.forEach((option, i) => {
    const at = `${pointer}/${i}`;
    if (!isRecord(option)) {
      add(problems, 'must be an option object', at);
      return;
    }
    textObject(problems, option.text, `${at}/text`, { max: 75 });
    maxLength(problems, option.value, 150, `${at}/value`);
  });
}

function element(problems: Problems, value: unknown, pointer: string, actionIds: Set<string>) {
  if (!isRecord(value)) {
    add(problems, 'must be an element object', pointer);
    return;
  }
  const type = value.type;
  if (typeof type !== 'string' || !INTERACTIVE_ELEMENTS.has(type)) {
    add(problems, `unsupported type: ${String(type)}`, `${pointer}/type`);
    return;
  }
  if (typeof value.action_id === 'string') {
    maxLength(problems, value.action_id, 255, `${pointer}/action_id`);
    if (actionIds.has(value.action_id)) {
      add(problems, `action_id must be unique within a block: ${value.action_id}`, pointer);
    }
    actionIds.add(value.action_id);
  }
  optionalText(problems, value.placeholder, `${pointer}/placeholder`, {
    max: 150,
    plainOnly: true,
  });
  confirmDialog(problems, value.confirm, `${pointer}/confirm`);
  switch (type) {
    case 'button':
      textObject(problems, value.text, `${pointer}/text`, { max: 75, plainOnly: true });
      maxLength(problems, value.value, 2000, `${pointer}/value`);
      maxLength(problems, value.url, 3000, `${pointer}/url`);
      maxLength(problems, value.accessibility_label, 75, `${pointer}/accessibility_label`);
      return;
    case 'static_select':
    case 'multi_static_select':
      if (value.options === undefined && value.option_groups === undefined) {
        add(problems, 'must provide either options or option_groups', pointer);
      }
      options(problems, value.options, `${pointer}/options`, 100);
      maxItems(problems, value.option_groups, 100, `${pointer}/option_groups`);
      return;
    case 'overflow':
      minItems(problems, value.options, 1, `${pointer}/options`);
      options(problems, value.options, `${pointer}/options`, 5);
      return;
    case 'checkboxes':
    case 'radio_buttons':
      options(problems, value.options, `${pointer}/options`, 10);
      return;
    case 'plain_text_input':
      for (const key of ['max_length', 'min_length'] as const) {
        const n = value[key];
        if (typeof n === 'number' && n > 3000) {
          add(problems, 'must be less than or equal to 3000', `${pointer}/${key}`);
        }
      }
      return;
    default:
      return;
  }
}

function imageElement(problems: Problems, value: Record<string, unknown>, pointer: string): void {
  if (value.image_url === undefined && value.slack_file === undefined) {
    add(problems, 'missing required field: image_url', pointer);
  }
  maxLength(problems, value.image_url, 3000, `${pointer}/image_url`);
  if (typeof value.alt_text !== 'string')
    add(problems, 'missing required field: alt_text', pointer);
  maxLength(problems, value.alt_text, 2000, `${pointer}/alt_text`);
}

function block(problems: Problems, value: unknown, pointer: string, blockIds: Set<string>): void {
  if (!isRecord(value)) {
    add(problems, 'failed to match all allowed schemas', pointer);
    return;
  }
  if (value.block_id !== undefined) {
    if (typeof value.block_id !== 'string') {
      add(problems, 'must be a string', `${pointer}/block_id`);
    } else {
      maxLength(problems, value.block_id, 255, `${pointer}/block_id`);
      if (blockIds.has(value.block_id)) {
        add(problems, `block_id must be unique: ${value.block_id}`, `${pointer}/block_id`);
      }
      blockIds.add(value.block_id);
    }
  }
  const actionIds = new Set<string>();
  switch (value.type) {
    case 'section':
      if (value.text === undefined && value.fields === undefined) {
        add(problems, 'must define either `text` or `fields`', pointer);
      }
      optionalText(problems, value.text, `${pointer}/text`, { max: 3000 });
      if (value.fields !== undefined) {
        if (!Array.isArray(value.fields)) {
          add(problems, 'must be an array', `${pointer}/fields`);
          return;
        }
        maxItems(problems, value.fields, 10, `${pointer}/fields`);
        value.fields.forEach((field, i) => {
          textObject(problems, field, `${pointer}/fields/${i}`, { max: 2000 });
        });
      }
      if (value.accessory !== undefined) {
        const accessory = value.accessory;
        if (isRecord(accessory) && accessory.type === 'image') {
          imageElement(problems, accessory, `${pointer}/accessory`);
        } else {
          element(problems, accessory, `${pointer}/accessory`, actionIds);
        }
      }
      return;
    case 'divider':
      return;
    case 'header':
      textObject(problems, value.text, `${pointer}/text`, { max: 150, plainOnly: true });
      return;
    case 'context':
      minItems(problems, value.elements, 1, `${pointer}/elements`);
      maxItems(problems, value.elements, 10, `${pointer}/elements`);
      if (!Array.isArray(value.elements)) return;
      value.elements.forEach((item, i) => {
        const at = `${pointer}/elements/${i}`;
        if (isRecord(item) && item.type === 'image') imageElement(problems, item, at);
        else textObject(problems, item, at, { max: 3000 });
      });
      return;
    case 'actions':
      minItems(problems, value.elements, 1, `${pointer}/elements`);
      maxItems(problems, value.elements, 25, `${pointer}/elements`);
      if (!Array.isArray(value.elements)) return;
      value.elements.forEach((item, i) => {
        element(problems, item, `${pointer}/elements/${i}`, actionIds);
      });
      return;
    case 'input':
      textObject(problems, value.label, `${pointer}/label`, { max: 2000, plainOnly: true });
      optionalText(problems, value.hint, `${pointer}/hint`, { max: 2000, plainOnly: true });
      if (value.element === undefined) add(problems, 'missing required field: element', pointer);
      else element(problems, value.element, `${pointer}/element`, actionIds);
      return;
    case 'image':
      imageElement(problems, value, pointer);
      optionalText(problems, value.title, `${pointer}/title`, { max: 2000, plainOnly: true });
      return;
    case 'markdown':
      if (typeof value.text !== 'string') add(problems, 'missing required field: text', pointer);
      maxLength(problems, value.text, 12_000, `${pointer}/text`);
      return;
    case 'rich_text':
      if (!Array.isArray(value.elements))
        add(problems, 'missing required field: elements', pointer);
      return;
    case 'video':
    case 'file':
      return;
    default:
      add(problems, `unsupported type: ${String(value.type)}`, `${pointer}/type`);
  }
}

function blocks(problems: Problems, value: unknown[], pointer: string, limit: number): void {
  maxItems(problems, value, limit, pointer);
  const blockIds = new Set<string>();
  value.forEach((item, i) => {
    block(problems, item, `${pointer}/${i}`, blockIds);
  });
}

function rejected(error: string, problems: Problems): SlackFail {
  return fail(error, {
    errors: problems.map((p) => p.replace(/^\[ERROR\] /, '')),
    response_metadata: { messages: problems },
  });
}

/** Sum of every `text` string in the blocks: what Slack's undocumented total cap appears to count. */
export function blocksTextLength(value: unknown): number {
  if (Array.isArray(value)) return value.reduce<number>((sum, v) => sum + blocksTextLength(v), 0);
  if (!isRecord(value)) return 0;
  let sum = 0;
  for (const [key, v] of Object.entries(value)) {
    if (key === 'text' && typeof v === 'string') sum += v.length;
    else sum += blocksTextLength(v);
  }
  return sum;
}

/** undefined when the blocks would be accepted by chat.postMessage / chat.update. */
export function validateMessageBlocks(value: unknown): SlackFail | undefined {
  if (!Array.isArray(value)) return fail('invalid_blocks_format');
  const problems: Problems = [];
  blocks(problems, value, '/blocks', MESSAGE_BLOCK_LIMIT);
  if (problems.length > 0) return rejected('invalid_blocks', problems);
  if (blocksTextLength(value) > MESSAGE_BLOCKS_TEXT_LIMIT) return fail('msg_blocks_too_long');
  return undefined;
}

/** undefined when views.open/push/update/publish would accept the view. */
export function validateView(value: unknown): SlackFail | undefined {
  const problems: Problems = [];
  if (!isRecord(value)) {
    add(problems, 'failed to match all allowed schemas', '/view');
    return rejected('invalid_arguments', problems);
  }
  if (value.type !== 'modal' && value.type !== 'home') {
    add(
      problems,
      value.type === undefined ? 'missing required field: type' : 'invalid type',
      '/view',
    );
    return rejected('invalid_arguments', problems);
  }
  if (value.type === 'modal') {
    if (value.title === undefined) add(problems, 'missing required field: title', '/view');
    else textObject(problems, value.title, '/view/title', { max: 24, plainOnly: true });
    optionalText(problems, value.close, '/view/close', { max: 24, plainOnly: true });
    optionalText(problems, value.submit, '/view/submit', { max: 24, plainOnly: true });
    const hasInput =
      Array.isArray(value.blocks) && value.blocks.some((b) => isRecord(b) && b.type === 'input');
    if (hasInput && (value.submit === undefined || value.submit === null)) {
      add(problems, 'missing required field: submit (the view has input blocks)', '/view');
    }
  }
  maxLength(problems, value.private_metadata, 3000, '/view/private_metadata');
  maxLength(problems, value.callback_id, 255, '/view/callback_id');
  maxLength(problems, value.external_id, 255, '/view/external_id');
  if (!Array.isArray(value.blocks)) add(problems, 'missing required field: blocks', '/view');
  else blocks(problems, value.blocks, '/view/blocks', VIEW_BLOCK_LIMIT);
  return problems.length > 0 ? rejected('invalid_arguments', problems) : undefined;
}
