import type { types } from '@slack/bolt';

/**
 * A message ready for chat.postMessage: the fallback `text` (notifications, screen readers) and
 * the blocks. Its own file so the message builders (messages.ts and the ones it delegates to)
 * do not import each other in a circle.
 */
export interface RenderedMessage {
  text: string;
  blocks: types.KnownBlock[];
}
